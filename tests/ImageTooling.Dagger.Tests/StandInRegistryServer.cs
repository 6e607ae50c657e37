using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ImageTooling.Dagger.Tests.Simulated;

namespace ImageTooling.Dagger.Tests;

/// <summary>
/// A STAND-IN REGISTRY over HTTP on 127.0.0.1, for tests: it holds what the simulated session's
/// <c>publish</c> pushed — per tag an OCI index, per platform a manifest and an image config with the
/// image's labels, no layers — and answers the registry API calls imagetool's RegistryClient makes
/// (<c>/v2/</c> with basic auth, manifests by tag or digest, config blobs).
/// </summary>
internal sealed class StandInRegistryServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Dictionary<string, (string MediaType, byte[] Body)> contents = [];
    private readonly Dictionary<string, string> tags = [];
    private readonly Lock state = new();
    private readonly string username;
    private readonly string password;
    private readonly Task serving;

    public StandInRegistryServer(string username, string password)
    {
        this.username = username;
        this.password = password;
        Port = SimulatedDaggerSession.FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    public List<string> Requests { get; } = [];

    /// <summary>Stores the variants as one index under the address's tag and returns the index digest.</summary>
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
            }
            var index = Store(repository, "application/vnd.oci.image.index.v1+json", new { schemaVersion = 2, mediaType = "application/vnd.oci.image.index.v1+json", manifests });
            tags[$"{repository}:{tag}"] = index.Digest;
            return index.Digest;
        }
    }

    private (string Digest, int Size) Store(string repository, string mediaType, object value)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(value);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        contents[$"{repository}@{digest}"] = (mediaType, body);
        return (digest, body.Length);
    }

    public void Dispose()
    {
        listener.Close();
        try
        {
            serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => Answer(context));
        }
    }

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
        else
        {
            answer = Find(path);
        }
        response.StatusCode = answer.Status;
        if (answer.MediaType is not null) response.ContentType = answer.MediaType;
        if (answer.Digest is not null) response.Headers["Docker-Content-Digest"] = answer.Digest;
        response.ContentLength64 = answer.Body.Length;
        response.OutputStream.Write(answer.Body);
        response.Close();
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
