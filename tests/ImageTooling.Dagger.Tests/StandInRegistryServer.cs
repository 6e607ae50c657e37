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
/// tag, which is how floating tags are moved).
/// </summary>
internal sealed class StandInRegistryServer : IDisposable
{
    private readonly LoopbackServer server;
    private readonly Dictionary<string, (string MediaType, byte[] Body)> contents = [];
    private readonly Dictionary<string, string> tags = [];
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
        lock (state) Requests.Add($"{request.HttpMethod} {path}");
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
        response.OutputStream.Write(answer.Body);
        response.Close();
    }

    /// <summary>PUT /v2/&lt;repository path&gt;/manifests/&lt;tag&gt;: stores the manifest and points the tag at it.</summary>
    private (int, string?, byte[], string?) PutManifest(string path, HttpListenerRequest request)
    {
        var at = path.LastIndexOf("/manifests/", StringComparison.Ordinal);
        if (!path.StartsWith("/v2/", StringComparison.Ordinal) || at < 0) return (404, null, [], null);
        var repository = $"{Host}/{path[4..at]}";
        var tag = path[(at + "/manifests/".Length)..];
        using var body = new MemoryStream();
        request.InputStream.CopyTo(body);
        var bytes = body.ToArray();
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        lock (state)
        {
            contents[$"{repository}@{digest}"] = (request.ContentType ?? "application/vnd.oci.image.index.v1+json", bytes);
            tags[$"{repository}:{tag}"] = digest;
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
