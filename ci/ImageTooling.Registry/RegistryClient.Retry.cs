using System.Net;
using System.Net.Http.Headers;

namespace ImageTooling.Registry;

/// <summary>
/// Transient faults (connection errors, timeouts, 5xx, 429) are retried with bounded backoff, or after the registry's
/// Retry-After up to <see cref="MaxRetryAfter"/>; the last one is reported naming what was asked.
/// </summary>
public sealed partial class RegistryClient
{
    public int Attempts { get; init; } = 4;
    /// <summary>How long one request may take; a blob upload gets <see cref="UploadTimeout"/>.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan UploadTimeout { get; init; } = TimeSpan.FromMinutes(30);
    public TimeSpan Backoff { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    private static HttpRequestMessage Request(HttpMethod method, Uri uri, string[] accept, string? authorization, Func<HttpContent>? content)
    {
        var request = new HttpRequestMessage(method, uri) { Content = content?.Invoke() };
        foreach (var type in accept) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return request;
    }

    private async Task<HttpResponseMessage> TryAsync(Func<HttpRequestMessage> request, string what, TimeSpan? timeout, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            string fault;
            TimeSpan? wait = null;
            try
            {
                using var message = request();
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                limit.CancelAfter(timeout ?? RequestTimeout);
                var response = await http.SendAsync(message, limit.Token);
                var transient = (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests;
                if (!transient) return response;
                fault = $"{(int)response.StatusCode} {response.ReasonPhrase}";
                wait = response.Headers.RetryAfter?.Delta;
                if (attempt >= Attempts) return response;
                response.Dispose();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellation.IsCancellationRequested)
            {
                fault = e.Message;
                if (attempt >= Attempts)
                    throw new PipelineFailure($"cannot reach the registry for {what} after {Attempts} attempts: {fault}");
            }
            var delay = wait is { } retryAfter
                ? (retryAfter > MaxRetryAfter ? MaxRetryAfter : retryAfter)
                : ImageTooling.Backoff.Delay(Backoff, attempt);
            await Task.Delay(delay, cancellation);
        }
    }
}
