using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ImageTooling.Dagger.Tests.Simulated;
using ImageTooling.Testing;

namespace ImageTooling.Dagger.Tests;

/// <summary>
/// A STAND-IN REGISTRY over HTTP on 127.0.0.1, for tests: it holds what the simulated session's
/// <c>publish</c> pushed — per tag an OCI index, per platform a manifest and an image config with the
/// image's labels, no layers; for a single platform the plain manifest alone, as Dagger pushes it — and answers the registry API calls imagetool's RegistryClient makes
/// (<c>/v2/</c> with basic auth, manifests by tag or digest, config blobs, tag lists, and a manifest PUT under a
/// tag, which is how floating tags are moved). For <c>stage</c> it also takes what a push by digest sends: <c>HEAD</c>
/// of a blob, a monolithic blob upload (<c>POST .../blobs/uploads/</c>, then <c>PUT</c> to the location it gave with
/// <c>?digest=</c>, checked against the bytes) and a manifest <c>PUT</c> under its own digest, which tags nothing.
/// As a registry does, a manifest PUT is refused when a blob or manifest it refers to is not in the repository.
/// </summary>
internal sealed class StandInRegistryServer : IDisposable
{
    private readonly LoopbackServer server;
    private readonly Dictionary<string, (string MediaType, byte[] Body)> contents = [];
    private readonly Dictionary<string, string> tags = [];
    private readonly HashSet<string> uploads = [];
    private readonly Lock state = new();
    private readonly string username;
    private readonly string password;

    public StandInRegistryServer(string username, string password)
    {
        this.username = username;
        this.password = password;
        server = new LoopbackServer(context =>
        {
            Answer(context);
            return Task.CompletedTask;
        });
    }

    public int Port => server.Port;

    public string Host => $"127.0.0.1:{Port}";

    public List<string> Requests { get; } = [];

    /// <summary>
    /// Stores the variants under the address's tag and returns the digest the tag points at: an index of the variants, or
    /// for a single variant its plain image manifest, which is what Dagger v0.21.8 exports for one platform
    /// (engine/engineutil/imageexport/writer.go:117-148, Writer.Assemble).
    /// </summary>
    public string Push(string address, IReadOnlyList<(string Platform, IReadOnlyDictionary<string, string> Labels)> variants)
    {
        var at = address.LastIndexOf(':');
        var (repository, tag) = (address[..at], address[(at + 1)..]);
        lock (state)
        {
            var manifests = new List<object>();
            foreach (var (platform, labels) in variants)
            {
                var (os, architecture) = (platform.Split('/')[0], platform.Split('/')[1]);
                var config = Store(repository, "application/vnd.oci.image.config.v1+json", new { architecture, os, config = new { Labels = labels }, rootfs = new { type = "layers", diff_ids = Array.Empty<string>() } });
                var manifest = Store(repository, "application/vnd.oci.image.manifest.v1+json", new
                {
                    schemaVersion = 2,
                    mediaType = "application/vnd.oci.image.manifest.v1+json",
                    config = new { mediaType = "application/vnd.oci.image.config.v1+json", digest = config.Digest, size = config.Size },
                    layers = Array.Empty<object>(),
                });
                manifests.Add(new { mediaType = "application/vnd.oci.image.manifest.v1+json", digest = manifest.Digest, size = manifest.Size, platform = new { architecture, os } });
                if (variants.Count == 1)
                {
                    tags[$"{repository}:{tag}"] = manifest.Digest;
                    return manifest.Digest;
                }
            }
            var index = Store(repository, "application/vnd.oci.image.index.v1+json", new { schemaVersion = 2, mediaType = "application/vnd.oci.image.index.v1+json", manifests });
            tags[$"{repository}:{tag}"] = index.Digest;
            return index.Digest;
        }
    }

    /// <summary>The digest a tag points at, or null.</summary>
    public string? DigestOf(string reference)
    {
        lock (state) return tags.GetValueOrDefault(reference);
    }

    /// <summary>The tags of a repository (<c>HOST/PATH</c>), in order.</summary>
    public IReadOnlyList<string> TagsOf(string repository)
    {
        lock (state)
            return tags.Keys.Where(k => k.StartsWith($"{repository}:", StringComparison.Ordinal)).Select(k => k[(repository.Length + 1)..]).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>What the repository holds under a tag or digest (<c>REPOSITORY:TAG</c> or <c>REPOSITORY@DIGEST</c>): its media type and bytes, or null.</summary>
    public (string MediaType, byte[] Body)? Content(string reference)
    {
        lock (state)
        {
            if (!reference.Contains('@', StringComparison.Ordinal))
            {
                if (!tags.TryGetValue(reference, out var digest)) return null;
                reference = $"{reference[..reference.LastIndexOf(':')]}@{digest}";
            }
            return contents.TryGetValue(reference, out var found) ? found : null;
        }
    }

    /// <summary>The media type of what a tag points at (an index, or a plain manifest), or null.</summary>
    public string? MediaTypeOf(string reference)
    {
        lock (state)
        {
            var at = reference.LastIndexOf(':');
            return tags.TryGetValue(reference, out var digest) ? contents[$"{reference[..at]}@{digest}"].MediaType : null;
        }
    }

    private (string Digest, int Size) Store(string repository, string mediaType, object value)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(value);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        contents[$"{repository}@{digest}"] = (mediaType, body);
        return (digest, body.Length);
    }

    public void Dispose() => server.Dispose();

    private void Answer(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url!.AbsolutePath;
        lock (state) Requests.Add($"{request.HttpMethod} {request.Url.PathAndQuery}");
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));
        (int Status, string? MediaType, byte[] Body, string? Digest) answer;
        if (request.Headers["Authorization"] != expected)
        {
            response.Headers["WWW-Authenticate"] = "Basic realm=\"stand-in registry\"";
            answer = (401, null, [], null);
        }
        else if (path == "/v2/")
        {
            answer = (200, "application/json", "{}"u8.ToArray(), null);
        }
        else if (request.HttpMethod == "POST" && path.EndsWith("/blobs/uploads/", StringComparison.Ordinal))
        {
            answer = StartUpload(path, response);
        }
        else if (request.HttpMethod == "PUT" && path.Contains("/blobs/uploads/", StringComparison.Ordinal))
        {
            answer = FinishUpload(path, request, response);
        }
        else if (request.HttpMethod == "PUT")
        {
            answer = PutManifest(path, request);
        }
        else
        {
            answer = path.EndsWith("/tags/list", StringComparison.Ordinal) ? ListTags(path) : Find(path);
        }
        response.StatusCode = answer.Status;
        if (answer.MediaType is not null) response.ContentType = answer.MediaType;
        if (answer.Digest is not null) response.Headers["Docker-Content-Digest"] = answer.Digest;
        response.ContentLength64 = answer.Body.Length;
        // HEAD answers with the headers a GET would have, without the body.
        if (request.HttpMethod != "HEAD") response.OutputStream.Write(answer.Body);
        response.Close();
    }

    /// <summary>POST /v2/&lt;repository path&gt;/blobs/uploads/: a new upload session, at the location it answers.</summary>
    private (int, string?, byte[], string?) StartUpload(string path, HttpListenerResponse response)
    {
        var id = Guid.NewGuid().ToString("N");
        var location = $"{path}{id}";
        lock (state) uploads.Add(location);
        response.Headers["Location"] = location;
        return (202, null, [], null);
    }

    /// <summary>PUT &lt;upload location&gt;?digest=D with the whole blob: stored when the bytes have digest D, else DIGEST_INVALID.</summary>
    private (int, string?, byte[], string?) FinishUpload(string path, HttpListenerRequest request, HttpListenerResponse response)
    {
        var at = path.LastIndexOf("/blobs/uploads/", StringComparison.Ordinal);
        var repository = $"{Host}/{path[4..at]}";
        var expected = request.QueryString["digest"];
        var bytes = Body(request);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        lock (state)
        {
            if (!uploads.Remove(path))
                return (404, "application/json", """{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN"}]}"""u8.ToArray(), null);
            if (expected != digest)
                return (400, "application/json", """{"errors":[{"code":"DIGEST_INVALID"}]}"""u8.ToArray(), null);
            contents[$"{repository}@{digest}"] = ("application/octet-stream", bytes);
        }
        response.Headers["Location"] = $"/v2/{path[4..at]}/blobs/{digest}";
        return (201, null, [], digest);
    }

    private static byte[] Body(HttpListenerRequest request)
    {
        using var body = new MemoryStream();
        request.InputStream.CopyTo(body);
        return body.ToArray();
    }

    /// <summary>The digests a manifest refers to: an index's manifests, an image manifest's config and layers.</summary>
    private static IEnumerable<string> References(byte[] manifest)
    {
        using var json = JsonDocument.Parse(manifest);
        var root = json.RootElement;
        var descriptors = root.TryGetProperty("manifests", out var list) ? list.EnumerateArray().ToList() : [];
        if (root.TryGetProperty("config", out var config)) descriptors.Add(config);
        if (root.TryGetProperty("layers", out var layers)) descriptors.AddRange(layers.EnumerateArray());
        return descriptors.Select(d => d.GetProperty("digest").GetString()!).ToList();
    }

    /// <summary>
    /// PUT /v2/&lt;repository path&gt;/manifests/&lt;tag or digest&gt;: stores the manifest and points the tag at it; under
    /// a digest (a push by digest), the bytes must have that digest and no tag changes.
    /// </summary>
    private (int, string?, byte[], string?) PutManifest(string path, HttpListenerRequest request)
    {
        var at = path.LastIndexOf("/manifests/", StringComparison.Ordinal);
        if (!path.StartsWith("/v2/", StringComparison.Ordinal) || at < 0) return (404, null, [], null);
        var repository = $"{Host}/{path[4..at]}";
        var reference = path[(at + "/manifests/".Length)..];
        var bytes = Body(request);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        var byDigest = reference.StartsWith("sha256:", StringComparison.Ordinal);
        if (byDigest && reference != digest)
            return (400, "application/json", """{"errors":[{"code":"DIGEST_INVALID"}]}"""u8.ToArray(), null);
        lock (state)
        {
            if (References(bytes).Any(d => !contents.ContainsKey($"{repository}@{d}")))
                return (400, "application/json", """{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN"}]}"""u8.ToArray(), null);
            contents[$"{repository}@{digest}"] = (request.ContentType ?? "application/vnd.oci.image.index.v1+json", bytes);
            if (!byDigest) tags[$"{repository}:{reference}"] = digest;
        }
        return (201, null, [], digest);
    }

    /// <summary>GET /v2/&lt;repository path&gt;/tags/list: every tag of the repository, in one page.</summary>
    private (int, string?, byte[], string?) ListTags(string path)
    {
        var name = path[4..^"/tags/list".Length];
        var prefix = $"{Host}/{name}:";
        lock (state)
        {
            var names = tags.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Select(k => k[prefix.Length..]).Order(StringComparer.Ordinal).ToList();
            return (200, "application/json", JsonSerializer.SerializeToUtf8Bytes(new { name, tags = names }), null);
        }
    }

    private (int, string?, byte[], string?) Find(string path)
    {
        // /v2/<repository path>/manifests/<tag or digest>, /v2/<repository path>/blobs/<digest>
        foreach (var kind in new[] { "/manifests/", "/blobs/" })
        {
            var at = path.LastIndexOf(kind, StringComparison.Ordinal);
            if (!path.StartsWith("/v2/", StringComparison.Ordinal) || at < 0) continue;
            var repository = $"{Host}/{path[4..at]}";
            var reference = path[(at + kind.Length)..];
            lock (state)
            {
                var digest = reference.StartsWith("sha256:", StringComparison.Ordinal) ? reference : tags.GetValueOrDefault($"{repository}:{reference}");
                if (digest is not null && contents.TryGetValue($"{repository}@{digest}", out var found))
                    return (200, found.MediaType, found.Body, digest);
            }
            return (404, "application/json", """{"errors":[{"code":"MANIFEST_UNKNOWN"}]}"""u8.ToArray(), null);
        }
        return (404, null, [], null);
    }
}
