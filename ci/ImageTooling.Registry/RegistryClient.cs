using ImageTooling.Catalog;
using System.Security.Cryptography;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ImageTooling.Registry;

/// <summary>
/// A small client of the OCI distribution API: checks credentials, reads indexes, manifests and config blobs, lists tags,
/// pushes by digest, puts indexes and tags. Authentication is in RegistryClient.Auth.cs, retries in RegistryClient.Retry.cs;
/// the documents are the types of OciDocuments.cs.
/// </summary>
public sealed partial class RegistryClient(HttpMessageHandler? handler = null) : IRegistry, IDisposable
{
    private static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    private readonly HttpClient http = new(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = Timeout.InfiniteTimeSpan };
    public void Dispose() => http.Dispose();

    /// <summary><c>docker.io/best-tools/pandoc</c> → API base <c>https://registry-1.docker.io</c> and name <c>best-tools/pandoc</c>.</summary>
    public static (Uri Api, string Name) Locate(ImageReference reference)
    {
        var (host, name) = (reference.Host == ImageReference.DockerHub ? "registry-1.docker.io" : reference.Host, reference.Path);
        var hostOnly = host.Split(':')[0];
        var loopback = hostOnly == "localhost" || (IPAddress.TryParse(hostOnly, out var ip) && IPAddress.IsLoopback(ip));
        return (new Uri($"{(loopback ? "http" : "https")}://{host}"), name);
    }

    public async Task CheckCredentialsAsync(ImageReference repository, RegistryCredentials credentials, CancellationToken cancellation)
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
    public async Task<RemoteIndex?> GetIndexAsync(ImageReference reference, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        if (await ReadManifestAsync(reference, credentials, cancellation) is not { } read) return null;
        if (read.Document.Manifests is { } entries)
        {
            var manifests = new List<RemoteManifest>();
            // Entries without a platform, or of os "unknown", are attestations.
            foreach (var entry in entries.Where(e => e.Platform is { Os: not "unknown" }))
            {
                var manifest = await ReadManifestAsync(reference.WithDigest(entry.Digest), credentials, cancellation);
                var config = manifest?.Document.Config?.Digest ?? "";
                var image = config.Length == 0 ? null : await ImageConfigAsync(reference, config, credentials, cancellation);
                manifests.Add(new RemoteManifest(entry.Platform!.ToPlatform(), entry.Digest, config) { Inputs = Inputs(image) });
            }
            return new RemoteIndex(read.Digest, manifests);
        }
        var plainConfig = read.Document.Config?.Digest ?? "";
        var plain = plainConfig.Length == 0 ? null : await ImageConfigAsync(reference, plainConfig, credentials, cancellation);
        var descriptor = read.MediaType is null || plain is null ? null : new ManifestDescriptor(read.MediaType, read.Size, plain.Variant);
        return new RemoteIndex(read.Digest, [new RemoteManifest(PlatformOf(plain) ?? Platform.Unknown, read.Digest, plainConfig) { Inputs = Inputs(plain), Descriptor = descriptor }])
        {
            IsPlainManifest = true,
        };
    }

    private async Task<OciImageConfig> ImageConfigAsync(ImageReference repository, string configDigest, RegistryCredentials? credentials, CancellationToken cancellation) =>
        OciJson.Parse<OciImageConfig>(await ReadBlobAsync(repository, configDigest, credentials, cancellation), $"the image config {configDigest} of {repository.Repository}");

    /// <summary>An image config's platform, normalised as an index entry's is.</summary>
    private static Platform? PlatformOf(OciImageConfig? image) => image is { Os: { } os, Architecture: { } arch } ? Platform.Of(os, arch, image.Variant) : null;

    /// <summary>The image's <see cref="InputsDigest.Label"/> label, when its config has one.</summary>
    private static string? Inputs(OciImageConfig? image) => image?.Config?.Labels?.GetValueOrDefault(InputsDigest.Label);

    private sealed record ReadManifest(string Digest, OciManifest Document, string? MediaType, long Size);

    /// <summary>A manifest or index by tag or digest, with the media type the registry served it as and its size in bytes;
    /// null when it does not exist.</summary>
    private async Task<ReadManifest?> ReadManifestAsync(ImageReference reference, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        var (api, name) = Locate(reference);
        var (manifest, shown) = (reference.ManifestReference, $"{reference.Repository}:{reference.ManifestReference}");
        using var response = await SendAsync(HttpMethod.Get, new Uri(api, $"/v2/{name}/manifests/{manifest}"), name, credentials, push: false, ManifestTypes,
            $"{shown} at {api.Authority}", cancellation);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureAsync(response, $"reading {shown} from {api.Authority}", credentials);
        var body = await response.Content.ReadAsByteArrayAsync(cancellation);
        var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.First() : manifest;
        return new ReadManifest(digest, OciJson.Parse<OciManifest>(body, shown), response.Content.Headers.ContentType?.MediaType, body.LongLength);
    }

    /// <summary>A JSON blob (an image config) as it is, for readers that look at more than the client does.</summary>
    public async Task<JsonDocument> GetBlobJsonAsync(ImageReference repository, string digest, RegistryCredentials? credentials, CancellationToken cancellation) =>
        JsonDocument.Parse(await ReadBlobAsync(repository, digest, credentials, cancellation));

    private async Task<byte[]> ReadBlobAsync(ImageReference repository, string digest, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        var (api, name) = Locate(repository);
        using var response = await SendAsync(HttpMethod.Get, new Uri(api, $"/v2/{name}/blobs/{digest}"), name, credentials, push: false, [], $"{repository.Repository}@{digest} at {api.Authority}", cancellation);
        await EnsureAsync(response, $"reading blob {digest} of {repository.Repository} from {api.Authority}", credentials);
        return await response.Content.ReadAsByteArrayAsync(cancellation);
    }

    /// <summary>Every tag, following the registry's <c>Link: &lt;...&gt;; rel="next"</c> pages.</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(ImageReference repository, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        var (api, name) = Locate(repository);
        var tags = new List<string>();
        for (var page = new Uri(api, $"/v2/{name}/tags/list"); ;)
        {
            using var response = await SendAsync(HttpMethod.Get, page, name, credentials, push: false, [], $"tags of {repository} at {api.Authority}", cancellation);
            if (response.StatusCode == HttpStatusCode.NotFound) return tags;
            await EnsureAsync(response, $"listing tags of {repository} at {api.Authority}", credentials);
            tags.AddRange(OciJson.Parse<OciTagList>(await response.Content.ReadAsByteArrayAsync(cancellation), $"the tags of {repository}").Tags ?? []);
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

    public async Task<string> TagAsync(ImageReference manifest, string tag, RegistryCredentials credentials, CancellationToken cancellation)
    {
        var (api, name) = Locate(manifest);
        var (repository, digest) = (manifest.Repository, manifest.ManifestReference);
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

    public async Task<string> PutIndexAsync(ImageReference reference, IReadOnlyList<RemoteManifest> manifests, RegistryCredentials credentials, CancellationToken cancellation)
    {
        var (api, name) = Locate(reference);
        var (repository, tag) = (reference.Repository, reference.ManifestReference);
        var entries = new List<OciDescriptor>();
        // Ordered by platform, so the same manifests always make the same index bytes (and digest).
        foreach (var manifest in manifests.OrderBy(m => m.Platform.ToString(), StringComparer.Ordinal))
        {
            var (platform, descriptor) = manifest.Descriptor is { } known
                ? (manifest.Platform, known)
                : await DescribeAsync(reference, manifest, credentials, cancellation);
            entries.Add(new OciDescriptor(descriptor.MediaType, manifest.Digest, descriptor.Size) { Platform = new OciPlatform(platform.Architecture, platform.Os) { Variant = descriptor.Variant } });
        }
        var index = OciJson.Bytes(OciManifest.Index(entries));
        using var put = await SendAsync(HttpMethod.Put, new Uri(api, $"/v2/{name}/manifests/{tag}"), name, credentials, push: true, [], $"{repository}:{tag} at {api.Authority}", cancellation,
            content: () => new ByteArrayContent(index) { Headers = { ContentType = new MediaTypeHeaderValue(OciJson.IndexType) } });
        await EnsureAsync(put, $"putting an index of {string.Join(", ", manifests.Select(m => m.Digest))} under {repository}:{tag}", credentials);
        return put.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.First() : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(index));
    }

    /// <summary>
    /// What an index entry says of a manifest nobody described yet: its media type and size as the registry serves it,
    /// and the platform as its image config states it, variant included (arm64's v8), as an engine's own index would.
    /// </summary>
    private async Task<(Platform Platform, ManifestDescriptor Descriptor)> DescribeAsync(
        ImageReference repository, RemoteManifest manifest, RegistryCredentials credentials, CancellationToken cancellation)
    {
        var (api, name) = Locate(repository);
        var where = $"{repository.Repository}@{manifest.Digest} at {api.Authority}";
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
        return (PlatformOf(image) ?? manifest.Platform, new ManifestDescriptor(mediaType, size, image.Variant));
    }

    /// <summary>
    /// The manifest goes under its own digest (<c>PUT /v2/NAME/manifests/DIGEST</c>, the distribution spec's push by
    /// digest); each blob the repository lacks is one monolithic upload (POST, then PUT with the digest).
    /// </summary>
    public async Task<string> PushLayoutAsync(ImageReference repository, string layout, RegistryCredentials credentials, CancellationToken cancellation)
    {
        var (api, name) = Locate(repository);
        var layoutIndex = OciJson.Parse<OciManifest>(await File.ReadAllBytesAsync(Path.Combine(layout, "index.json"), cancellation), $"the OCI layout {layout}");
        var entries = layoutIndex.Manifests ?? [];
        if (entries.Count != 1)
            throw new PipelineFailure($"the OCI layout {layout} holds {entries.Count} manifests; staging pushes exactly one");
        var (digest, mediaType) = (entries[0].Digest, entries[0].MediaType);
        string Blob(string d) => Path.Combine(layout, "blobs", d.Split(':')[0], d.Split(':')[1]);
        var manifest = await File.ReadAllBytesAsync(Blob(digest), cancellation);
        var image = OciJson.Parse<OciManifest>(manifest, $"the manifest {digest} in {layout}");
        if (image.Config is null || image.Layers is null)
            throw new PipelineFailure($"the OCI layout {layout} holds no image manifest at {digest}");
        var blobs = image.Layers.Append(image.Config).Select(b => b.Digest).Distinct();
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

    private static Task EnsureAsync(HttpResponseMessage response, string what, RegistryCredentials? credentials)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new InputError($"{what}: the registry refused {(credentials is null ? "anonymous access" : $"the credentials of '{credentials.Username}'")}");
        if (!response.IsSuccessStatusCode)
            throw new PipelineFailure($"{what}: the registry answered {(int)response.StatusCode} {response.ReasonPhrase}");
        return Task.CompletedTask;
    }

}
