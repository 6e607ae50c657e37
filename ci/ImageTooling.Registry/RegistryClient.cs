using System.Security.Cryptography;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ImageTooling.Registry;

/// <summary>
/// A small client of the OCI distribution API: checks credentials, reads indexes, manifests and
/// config blobs. Basic and bearer-token auth; transient faults (connection errors, 5xx, 429 with
/// Retry-After) are retried with bounded backoff, then reported naming registry, repository and tag.
/// </summary>
public sealed class RegistryClient(HttpMessageHandler? handler = null) : IRegistry, IDisposable
{
    private static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    private readonly HttpClient http = new(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly Dictionary<string, string> tokens = [];

    public int Attempts { get; init; } = 4;
    /// <summary>How long one request may take; a blob upload gets <see cref="UploadTimeout"/>.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan UploadTimeout { get; init; } = TimeSpan.FromMinutes(30);
    public TimeSpan Backoff { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    public void Dispose() => http.Dispose();

    /// <summary><c>docker.io/best-tools/pandoc</c> → API base <c>https://registry-1.docker.io</c> and name <c>best-tools/pandoc</c>.</summary>
    public static (Uri Api, string Name) Locate(string repository)
    {
        var reference = ImageReference.Parse(repository);
        var (host, name) = (reference.Host == ImageReference.DockerHub ? "registry-1.docker.io" : reference.Host, reference.Path);
        var hostOnly = host.Split(':')[0];
        var loopback = hostOnly == "localhost" || (IPAddress.TryParse(hostOnly, out var ip) && IPAddress.IsLoopback(ip));
        return (new Uri($"{(loopback ? "http" : "https")}://{host}"), name);
    }

    public async Task CheckCredentialsAsync(string repository, RegistryCredentials credentials, CancellationToken cancellation)
    {
        var (api, name) = Locate(repository);
        using var response = await SendAsync(HttpMethod.Get, new Uri(api, "/v2/"), name, credentials, push: true, [], $"{api.Host} (checking credentials)", cancellation);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new InputError($"the registry {api.Authority} refused the credentials of '{credentials.Username}' for {repository}: check the user name and the token");
        if (!response.IsSuccessStatusCode)
            throw new PipelineFailure($"the registry {api.Authority} answered {(int)response.StatusCode} {response.ReasonPhrase} when checking credentials for {repository}");
    }

    /// <summary>
    /// What a tag holds, as an index of platform manifests. A plain image manifest (what Dagger pushes for a single
    /// platform: engine/engineutil/imageexport/writer.go:117-148 at v0.21.8) is read as an index of that one manifest,
    /// its platform and labels taken from its image config.
    /// </summary>
    public async Task<RemoteIndex?> GetIndexAsync(string repository, string tag, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        var (digest, json, mediaType, size) = await ReadManifestAsync(repository, tag, credentials, cancellation);
        if (json is null) return null;
        var root = json.RootElement;
        var manifests = new List<RemoteManifest>();
        if (root.TryGetProperty("manifests", out var list))
        {
            foreach (var entry in list.EnumerateArray())
            {
                if (!entry.TryGetProperty("platform", out var platform)) continue;
                var os = platform.GetProperty("os").GetString();
                var arch = platform.GetProperty("architecture").GetString();
                if (os == "unknown") continue; // attestation manifests
                var manifestDigest = entry.GetProperty("digest").GetString()!;
                var (_, manifest) = await GetManifestAsync(repository, manifestDigest, credentials, cancellation);
                var config = manifest?.RootElement.GetProperty("config").GetProperty("digest").GetString() ?? "";
                var image = config.Length == 0 ? default : await ImageConfigAsync(repository, config, credentials, cancellation);
                manifests.Add(new RemoteManifest($"{os}/{arch}", manifestDigest, config) { Inputs = image.Inputs });
            }
        }
        else
        {
            var config = root.GetProperty("config").GetProperty("digest").GetString() ?? "";
            var image = config.Length == 0 ? default : await ImageConfigAsync(repository, config, credentials, cancellation);
            var descriptor = mediaType is null || config.Length == 0 ? null : new ManifestDescriptor(mediaType, size, image.Variant);
            manifests.Add(new RemoteManifest(image.Platform ?? "unknown", digest, config) { Inputs = image.Inputs, Descriptor = descriptor });
            return new RemoteIndex(digest, manifests) { IsPlainManifest = true };
        }
        return new RemoteIndex(digest, manifests);
    }

    /// <summary>An image config's platform (<c>os</c>/<c>architecture</c>), its variant and inputs digest label (<c>config.Labels</c>).</summary>
    private async Task<(string? Platform, string? Inputs, string? Variant)> ImageConfigAsync(string repository, string configDigest, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        using var config = await GetBlobJsonAsync(repository, configDigest, credentials, cancellation);
        var root = config.RootElement;
        string? Text(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var os = Text(root, "os");
        var arch = Text(root, "architecture");
        // As for an index entry, the variant (arm64's v8) is not part of the platform the pipeline compares.
        var platform = os is null || arch is null ? null : $"{os}/{arch}";
        var inputs = root.TryGetProperty("config", out var settings) && settings.ValueKind == JsonValueKind.Object
            && settings.TryGetProperty("Labels", out var labels) ? Text(labels, InputsDigest.Label) : null;
        return (platform, inputs, Text(root, "variant"));
    }

    /// <summary>A manifest or index by tag or digest: its digest and JSON, or (reference, null) when it does not exist.</summary>
    public async Task<(string Digest, JsonDocument? Json)> GetManifestAsync(string repository, string reference, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        var (digest, json, _, _) = await ReadManifestAsync(repository, reference, credentials, cancellation);
        return (digest, json);
    }

    /// <summary>A manifest or index with the media type the registry served it as and its size in bytes.</summary>
    private async Task<(string Digest, JsonDocument? Json, string? MediaType, long Size)> ReadManifestAsync(
        string repository, string reference, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        var (api, name) = Locate(repository);
        using var response = await SendAsync(HttpMethod.Get, new Uri(api, $"/v2/{name}/manifests/{reference}"), name, credentials, push: false, ManifestTypes,
            $"{repository}:{reference} at {api.Authority}", cancellation);
        if (response.StatusCode == HttpStatusCode.NotFound) return (reference, null, null, 0);
        await EnsureAsync(response, $"reading {repository}:{reference} from {api.Authority}", credentials);
        var body = await response.Content.ReadAsByteArrayAsync(cancellation);
        var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.First() : reference;
        return (digest, JsonDocument.Parse(body), response.Content.Headers.ContentType?.MediaType, body.LongLength);
    }

    public async Task<JsonDocument> GetBlobJsonAsync(string repository, string digest, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        var (api, name) = Locate(repository);
        using var response = await SendAsync(HttpMethod.Get, new Uri(api, $"/v2/{name}/blobs/{digest}"), name, credentials, push: false, [], $"{repository}@{digest} at {api.Authority}", cancellation);
        await EnsureAsync(response, $"reading blob {digest} of {repository} from {api.Authority}", credentials);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation));
    }

    /// <summary>Every tag, following the registry's <c>Link: &lt;...&gt;; rel="next"</c> pages.</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        var (api, name) = Locate(repository);
        var tags = new List<string>();
        for (var page = new Uri(api, $"/v2/{name}/tags/list"); ;)
        {
            using var response = await SendAsync(HttpMethod.Get, page, name, credentials, push: false, [], $"tags of {repository} at {api.Authority}", cancellation);
            if (response.StatusCode == HttpStatusCode.NotFound) return tags;
            await EnsureAsync(response, $"listing tags of {repository} at {api.Authority}", credentials);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation));
            if (json.RootElement.TryGetProperty("tags", out var list) && list.ValueKind == JsonValueKind.Array)
                tags.AddRange(list.EnumerateArray().Select(t => t.GetString()!));
            if (NextPage(response) is not { } next) return tags;
            page = new Uri(api, next);
        }
    }

    private static string? NextPage(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links)) return null;
        foreach (var link in links.SelectMany(l => l.Split(',')))
        {
            var parts = link.Split(';');
            if (parts.Skip(1).Any(p => p.Trim().Replace(" ", "", StringComparison.Ordinal) is "rel=\"next\"" or "rel=next"))
                return parts[0].Trim().TrimStart('<').TrimEnd('>');
        }
        return null;
    }

    public async Task<string> TagAsync(string repository, string digest, string tag, RegistryCredentials credentials, CancellationToken cancellation)
    {
        var (api, name) = Locate(repository);
        var where = $"{repository}@{digest} at {api.Authority}";
        byte[] body;
        string mediaType;
        using (var source = await SendAsync(HttpMethod.Get, new Uri(api, $"/v2/{name}/manifests/{digest}"), name, credentials, push: true, ManifestTypes, where, cancellation))
        {
            if (source.StatusCode == HttpStatusCode.NotFound)
                throw new PipelineFailure($"{where} does not exist: nothing to point {tag} at");
            await EnsureAsync(source, $"reading {where}", credentials);
            body = await source.Content.ReadAsByteArrayAsync(cancellation);
            mediaType = source.Content.Headers.ContentType?.MediaType ?? throw new PipelineFailure($"{where}: the registry sent no media type");
        }
        using var put = await SendAsync(HttpMethod.Put, new Uri(api, $"/v2/{name}/manifests/{tag}"), name, credentials, push: true, [], $"{repository}:{tag} at {api.Authority}", cancellation,
            content: () => new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue(mediaType) } });
        await EnsureAsync(put, $"pointing {repository}:{tag} at {digest}", credentials);
        return put.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.First() : digest;
    }

    public async Task<string> PutIndexAsync(string repository, string tag, IReadOnlyList<RemoteManifest> manifests, RegistryCredentials credentials, CancellationToken cancellation)
    {
        var (api, name) = Locate(repository);
        var entries = new List<object>();
        // Ordered by platform, so the same manifests always make the same index bytes (and digest).
        foreach (var manifest in manifests.OrderBy(m => m.Platform, StringComparer.Ordinal))
        {
            var (platform, descriptor) = manifest.Descriptor is { } known
                ? (manifest.Platform, known)
                : await DescribeAsync(repository, manifest, credentials, cancellation);
            entries.Add(new { mediaType = descriptor.MediaType, digest = manifest.Digest, size = descriptor.Size, platform = Platform(platform, descriptor.Variant) });
        }
        var index = JsonSerializer.SerializeToUtf8Bytes(new { schemaVersion = 2, mediaType = OciIndex, manifests = entries }, IndexJson);
        using var put = await SendAsync(HttpMethod.Put, new Uri(api, $"/v2/{name}/manifests/{tag}"), name, credentials, push: true, [], $"{repository}:{tag} at {api.Authority}", cancellation,
            content: () => new ByteArrayContent(index) { Headers = { ContentType = new MediaTypeHeaderValue(OciIndex) } });
        await EnsureAsync(put, $"putting an index of {string.Join(", ", manifests.Select(m => m.Digest))} under {repository}:{tag}", credentials);
        return put.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.First() : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(index));
    }

    /// <summary>
    /// What an index entry says of a manifest nobody described yet: its media type and size as the registry serves it,
    /// and the platform as its image config states it, variant included (arm64's v8), as an engine's own index would.
    /// </summary>
    private async Task<(string Platform, ManifestDescriptor Descriptor)> DescribeAsync(
        string repository, RemoteManifest manifest, RegistryCredentials credentials, CancellationToken cancellation)
    {
        var (api, name) = Locate(repository);
        var where = $"{repository}@{manifest.Digest} at {api.Authority}";
        string mediaType;
        long size;
        using (var source = await SendAsync(HttpMethod.Get, new Uri(api, $"/v2/{name}/manifests/{manifest.Digest}"), name, credentials, push: true, ManifestTypes, where, cancellation))
        {
            if (source.StatusCode == HttpStatusCode.NotFound)
                throw new PipelineFailure($"{where} does not exist: no index can hold it");
            await EnsureAsync(source, $"reading {where}", credentials);
            size = (await source.Content.ReadAsByteArrayAsync(cancellation)).Length;
            mediaType = source.Content.Headers.ContentType?.MediaType ?? throw new PipelineFailure($"{where}: the registry sent no media type");
        }
        var image = await ImageConfigAsync(repository, manifest.ConfigDigest, credentials, cancellation);
        return (image.Platform ?? manifest.Platform, new ManifestDescriptor(mediaType, size, image.Variant));
    }

    /// <summary>An index entry's platform: os, architecture and the variant when there is one, in the order an engine writes them.</summary>
    private static Dictionary<string, string> Platform(string platform, string? variant)
    {
        var parts = platform.Split('/');
        var entry = new Dictionary<string, string> { ["architecture"] = parts[^1], ["os"] = parts[0] };
        if (variant is not null) entry["variant"] = variant;
        return entry;
    }

    /// <summary>
    /// The manifest goes under its own digest (<c>PUT /v2/NAME/manifests/DIGEST</c>, the distribution spec's push by
    /// digest); each blob the repository lacks is one monolithic upload (POST, then PUT with the digest).
    /// </summary>
    public async Task<string> PushLayoutAsync(string repository, string layout, RegistryCredentials credentials, CancellationToken cancellation)
    {
        var (api, name) = Locate(repository);
        using var layoutIndex = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(layout, "index.json"), cancellation));
        var entries = layoutIndex.RootElement.GetProperty("manifests").EnumerateArray().ToList();
        if (entries.Count != 1)
            throw new PipelineFailure($"the OCI layout {layout} holds {entries.Count} manifests; staging pushes exactly one");
        var digest = entries[0].GetProperty("digest").GetString()!;
        var mediaType = entries[0].GetProperty("mediaType").GetString()!;
        string Blob(string d) => Path.Combine(layout, "blobs", d.Split(':')[0], d.Split(':')[1]);
        var manifest = await File.ReadAllBytesAsync(Blob(digest), cancellation);
        using var json = JsonDocument.Parse(manifest);
        var blobs = json.RootElement.GetProperty("layers").EnumerateArray().Append(json.RootElement.GetProperty("config"))
            .Select(b => b.GetProperty("digest").GetString()!).Distinct();
        foreach (var blob in blobs)
        {
            using (var head = await SendAsync(HttpMethod.Head, new Uri(api, $"/v2/{name}/blobs/{blob}"), name, credentials, push: true, [], $"{repository}@{blob} at {api.Authority}", cancellation))
                if (head.IsSuccessStatusCode) continue;
            var what = $"uploading {blob} to {repository} at {api.Authority}";
            string location;
            using (var start = await SendAsync(HttpMethod.Post, new Uri(api, $"/v2/{name}/blobs/uploads/"), name, credentials, push: true, [], what, cancellation))
            {
                await EnsureAsync(start, what, credentials);
                location = start.Headers.Location?.ToString() ?? throw new PipelineFailure($"{what}: the registry gave no upload location");
            }
            var target = new Uri(api, location);
            var finish = new UriBuilder(target) { Query = (target.Query.Length > 1 ? target.Query[1..] + "&" : "") + $"digest={Uri.EscapeDataString(blob)}" }.Uri;
            var path = Blob(blob);
            using var put = await SendAsync(HttpMethod.Put, finish, name, credentials, push: true, [], what, cancellation,
                content: () => new StreamContent(File.OpenRead(path)) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
                timeout: UploadTimeout);
            await EnsureAsync(put, what, credentials);
        }
        using var putManifest = await SendAsync(HttpMethod.Put, new Uri(api, $"/v2/{name}/manifests/{digest}"), name, credentials, push: true, [], $"{repository}@{digest} at {api.Authority}", cancellation,
            content: () => new ByteArrayContent(manifest) { Headers = { ContentType = new MediaTypeHeaderValue(mediaType) } });
        await EnsureAsync(putManifest, $"pushing {repository}@{digest}", credentials);
        return digest;
    }

    private const string OciIndex = "application/vnd.oci.image.index.v1+json";

    /// <summary>Media types as written (<c>+json</c>, not <c>\u002Bjson</c>), as engines write their indexes.</summary>
    private static readonly JsonSerializerOptions IndexJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static Task EnsureAsync(HttpResponseMessage response, string what, RegistryCredentials? credentials)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new InputError($"{what}: the registry refused {(credentials is null ? "anonymous access" : $"the credentials of '{credentials.Username}'")}");
        if (!response.IsSuccessStatusCode)
            throw new PipelineFailure($"{what}: the registry answered {(int)response.StatusCode} {response.ReasonPhrase}");
        return Task.CompletedTask;
    }

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
