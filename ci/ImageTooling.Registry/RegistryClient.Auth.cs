using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ImageTooling.Registry;

/// <summary>
/// Authentication: a request goes out with the authorization cached for its scope and credentials; a 401 is answered once,
/// with a bearer token from the challenge's realm (Docker Hub, distribution's token auth) or with basic auth.
/// </summary>
public sealed partial class RegistryClient
{
    /// <summary>Authorization per scope and per credentials object, never across credentials.</summary>
    private readonly Dictionary<string, string> tokens = [];

    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, Uri uri, string name, RegistryCredentials? credentials, bool push, string[] accept, string what, CancellationToken cancellation,
        Func<HttpContent>? content = null, TimeSpan? timeout = null)
    {
        var scope = $"repository:{name}:{(push ? "pull,push" : "pull")}";
        // Authorization is cached per scope and per credentials object, never across credentials.
        var cacheKey = $"{System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(credentials)}|{credentials?.Username}|{scope}";
        var response = await TryAsync(() => Request(method, uri, accept, tokens.GetValueOrDefault(cacheKey), content), what, timeout, cancellation);
        if (response.StatusCode != HttpStatusCode.Unauthorized || credentials is null && !IsBearer(response)) return response;

        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        response.Dispose();
        string? authorization = null;
        if (challenge?.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) == true)
            authorization = await FetchTokenAsync(challenge, scope, credentials, what, cancellation);
        else if (credentials is not null)
            authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password.Reveal()}"));
        if (authorization is not null) tokens[cacheKey] = authorization;
        return await TryAsync(() => Request(method, uri, accept, authorization, content), what, timeout, cancellation);
    }

    private static bool IsBearer(HttpResponseMessage response) =>
        response.Headers.WwwAuthenticate.Any(c => c.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase));

    private async Task<string?> FetchTokenAsync(AuthenticationHeaderValue challenge, string scope, RegistryCredentials? credentials, string what, CancellationToken cancellation)
    {
        var parameters = ParseChallenge(challenge.Parameter ?? "");
        if (!parameters.TryGetValue("realm", out var realm)) return null;
        var query = $"?scope={Uri.EscapeDataString(scope)}" + (parameters.TryGetValue("service", out var service) ? $"&service={Uri.EscapeDataString(service)}" : "");
        using var response = await TryAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, realm + query);
            if (credentials is not null)
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                    Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password.Reveal()}")));
            return request;
        }, what, null, cancellation);
        if (!response.IsSuccessStatusCode) return null;
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation));
        var token = json.RootElement.TryGetProperty("token", out var t) ? t.GetString()
            : json.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
        return token is null ? null : $"Bearer {token}";
    }

    private static Dictionary<string, string> ParseChallenge(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in text.Split(','))
        {
            var eq = part.IndexOf('=');
            if (eq > 0) result[part[..eq].Trim()] = part[(eq + 1)..].Trim().Trim('"');
        }
        return result;
    }
}
