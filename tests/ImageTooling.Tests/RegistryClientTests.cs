using ImageTooling.Catalog;
using System.Net;
using System.Text;
using ImageTooling.Registry;

namespace ImageTooling.Tests;

public class RegistryClientTests
{
    /// <summary>An in-process stand-in for a registry's HTTP API: answers from a script and records requests.</summary>
    private sealed class ScriptedRegistry(Func<HttpRequestMessage, int, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add($"{request.Method} {request.RequestUri} {request.Headers.Authorization}");
            return Task.FromResult(answer(request, Requests.Count));
        }
    }

    private static readonly RegistryCredentials Bot = new("bot", new Secret("tok-123"));

    private static HttpResponseMessage Json(string body, string? digest = null)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (digest is not null) response.Headers.Add("Docker-Content-Digest", digest);
        return response;
    }

    private static RegistryClient Client(ScriptedRegistry registry) => new(registry) { Backoff = TimeSpan.FromMilliseconds(1) };

    [Theory]
    [InlineData("docker.io/best-tools/pandoc", "https://registry-1.docker.io/", "best-tools/pandoc")]
    [InlineData("127.0.0.1:5000/e2e/pandoc", "http://127.0.0.1:5000/", "e2e/pandoc")]
    [InlineData("localhost:5000/x", "http://localhost:5000/", "x")]
    [InlineData("ghcr.io/org/img", "https://ghcr.io/", "org/img")]
    [InlineData("best-tools/pandoc", "https://registry-1.docker.io/", "best-tools/pandoc")]
    public void Locates_the_api_of_a_repository(string repository, string api, string name)
    {
        var (uri, path) = RegistryClient.Locate(ImageReference.Parse(repository));
        Assert.Equal(api, uri.ToString());
        Assert.Equal(name, path);
    }

    [Fact]
    public async Task Basic_auth_credentials_are_checked()
    {
        var registry = new ScriptedRegistry((request, _) => request.Headers.Authorization is null
            ? new HttpResponseMessage(HttpStatusCode.Unauthorized) { Headers = { WwwAuthenticate = { new("Basic", "realm=\"r\"") } } }
            : new HttpResponseMessage(request.Headers.Authorization.Parameter == Convert.ToBase64String(Encoding.UTF8.GetBytes("bot:tok-123")) ? HttpStatusCode.OK : HttpStatusCode.Unauthorized));
        using var client = Client(registry);
        await client.CheckCredentialsAsync(ImageReference.Parse("127.0.0.1:5000/e2e/pandoc"), Bot, CancellationToken.None);
        var wrong = await Assert.ThrowsAsync<InputError>(() => client.CheckCredentialsAsync(ImageReference.Parse("127.0.0.1:5000/e2e/pandoc"), new RegistryCredentials("bot", new Secret("nope")), CancellationToken.None));
        Assert.Contains("refused the credentials of 'bot'", wrong.Message);
        Assert.DoesNotContain("nope", wrong.Message);
    }

    [Fact]
    public async Task Bearer_tokens_are_fetched_from_the_realm_with_the_push_scope()
    {
        var registry = new ScriptedRegistry((request, _) =>
        {
            var uri = request.RequestUri!.ToString();
            if (uri.StartsWith("https://auth.example/token", StringComparison.Ordinal))
                return Json("{\"token\":\"bearer-xyz\"}");
            return request.Headers.Authorization?.ToString() == "Bearer bearer-xyz"
                ? new HttpResponseMessage(HttpStatusCode.OK)
                : new HttpResponseMessage(HttpStatusCode.Unauthorized) { Headers = { WwwAuthenticate = { new("Bearer", "realm=\"https://auth.example/token\",service=\"registry.example\"") } } };
        });
        using var client = Client(registry);
        await client.CheckCredentialsAsync(ImageReference.Parse("registry.example/best-tools/pandoc"), Bot, CancellationToken.None);
        Assert.Contains(registry.Requests, r => r.Contains("scope=repository%3Abest-tools%2Fpandoc%3Apull%2Cpush&service=registry.example", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reads_an_index_with_the_config_digest_and_inputs_label_of_each_platform()
    {
        var registry = new ScriptedRegistry((request, _) => request.RequestUri!.AbsolutePath switch
        {
            "/v2/e2e/pandoc/manifests/v1.2.3" => Json("""{"manifests":[{"digest":"sha256:a","platform":{"os":"linux","architecture":"amd64"}},{"digest":"sha256:b","platform":{"os":"linux","architecture":"arm64"}},{"digest":"sha256:att","platform":{"os":"unknown","architecture":"unknown"}}]}""", "sha256:index"),
            "/v2/e2e/pandoc/manifests/sha256:a" => Json("""{"config":{"digest":"sha256:config-a"}}"""),
            "/v2/e2e/pandoc/manifests/sha256:b" => Json("""{"config":{"digest":"sha256:config-b"}}"""),
            "/v2/e2e/pandoc/blobs/sha256:config-a" => Json("{\"architecture\":\"amd64\",\"config\":{\"Labels\":{\"" + InputsDigest.Label + "\":\"sha256:inputs-a\"}}}"),
            "/v2/e2e/pandoc/blobs/sha256:config-b" => Json("""{"architecture":"arm64","config":{}}"""),
            _ => new HttpResponseMessage(HttpStatusCode.NotFound),
        });
        using var client = Client(registry);
        var index = await client.GetIndexAsync(ImageReference.Parse("127.0.0.1:5000/e2e/pandoc").WithTag("v1.2.3"), Bot, CancellationToken.None);
        Assert.NotNull(index);
        Assert.Equal("sha256:index", index.Digest);
        Assert.Equal([new(Platform.LinuxAmd64, "sha256:a", "sha256:config-a") { Inputs = "sha256:inputs-a" }, new(Platform.LinuxArm64, "sha256:b", "sha256:config-b")], index.Manifests);
        Assert.Null(await client.GetIndexAsync(ImageReference.Parse("127.0.0.1:5000/e2e/pandoc").WithTag("v9.9.9"), Bot, CancellationToken.None));
    }

    /// <summary>What Dagger v0.21.8 pushes for one platform: a plain image manifest (engine/engineutil/imageexport/writer.go:117-148).</summary>
    [Fact]
    public async Task Reads_a_plain_manifest_as_one_platform_with_the_platform_and_inputs_label_of_its_config()
    {
        var registry = new ScriptedRegistry((request, _) => request.RequestUri!.AbsolutePath switch
        {
            "/v2/e2e/pandoc/manifests/v1.2.3" => Json("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:config-a"},"layers":[]}""", "sha256:manifest-a"),
            "/v2/e2e/pandoc/blobs/sha256:config-a" => Json("{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\",\"config\":{\"Labels\":{\"" + InputsDigest.Label + "\":\"sha256:inputs-a\"}}}"),
            _ => new HttpResponseMessage(HttpStatusCode.NotFound),
        });
        using var client = Client(registry);
        var index = await client.GetIndexAsync(ImageReference.Parse("127.0.0.1:5000/e2e/pandoc").WithTag("v1.2.3"), Bot, CancellationToken.None);
        Assert.NotNull(index);
        Assert.Equal("sha256:manifest-a", index.Digest);
        // The descriptor an index entry needs: the media type the registry served (the scripted one says application/json).
        Assert.Equal([new(Platform.LinuxArm64, "sha256:manifest-a", "sha256:config-a") { Inputs = "sha256:inputs-a", Descriptor = new("application/json", 126, "v8") }], index.Manifests);
    }

    [Fact]
    public async Task Tags_are_listed_across_every_page_the_registry_links()
    {
        var registry = new ScriptedRegistry((request, _) =>
        {
            var query = request.RequestUri!.Query;
            if (request.RequestUri.AbsolutePath != "/v2/e2e/pandoc/tags/list") return new HttpResponseMessage(HttpStatusCode.NotFound);
            var page = query.Contains("last=v1", StringComparison.Ordinal) ? Json("""{"name":"e2e/pandoc","tags":["v1.4.0"]}""")
                : Json("""{"name":"e2e/pandoc","tags":["latest","v1"]}""");
            if (query.Length == 0) page.Headers.Add("Link", "</v2/e2e/pandoc/tags/list?n=2&last=v1>; rel=\"next\"");
            return page;
        });
        using var client = Client(registry);
        Assert.Equal(["latest", "v1", "v1.4.0"], await client.ListTagsAsync(ImageReference.Parse("127.0.0.1:5000/e2e/pandoc"), null, CancellationToken.None));
        Assert.Equal(2, registry.Requests.Count);
        Assert.Empty(await client.ListTagsAsync(ImageReference.Parse("127.0.0.1:5000/e2e/none"), null, CancellationToken.None));
    }

    [Fact]
    public async Task A_tag_is_pointed_at_a_digest_by_putting_the_same_bytes_with_the_same_media_type()
    {
        const string index = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}""";
        string? put = null, putType = null;
        var registry = new ScriptedRegistry((request, _) =>
        {
            if (request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath == "/v2/e2e/pandoc/manifests/sha256:idx")
            {
                var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(index) };
                response.Content.Headers.ContentType = new("application/vnd.oci.image.index.v1+json");
                return response;
            }
            if (request.Method == HttpMethod.Put && request.RequestUri!.AbsolutePath == "/v2/e2e/pandoc/manifests/latest")
            {
                put = request.Content!.ReadAsStringAsync().GetAwaiter().GetResult();
                putType = request.Content.Headers.ContentType?.MediaType;
                return new HttpResponseMessage(HttpStatusCode.Created) { Headers = { { "Docker-Content-Digest", "sha256:idx" } } };
            }
            return new HttpResponseMessage(HttpStatusCode.NotFound);
        });
        using var client = Client(registry);
        Assert.Equal("sha256:idx", await client.TagAsync(ImageReference.Parse("127.0.0.1:5000/e2e/pandoc").WithDigest("sha256:idx"), "latest", Bot, CancellationToken.None));
        Assert.Equal(index, put);
        Assert.Equal("application/vnd.oci.image.index.v1+json", putType);

        var missing = await Assert.ThrowsAsync<PipelineFailure>(() => client.TagAsync(ImageReference.Parse("127.0.0.1:5000/e2e/pandoc").WithDigest("sha256:gone"), "latest", Bot, CancellationToken.None));
        Assert.Contains("sha256:gone", missing.Message);
    }

    [Fact]
    public async Task A_plain_manifest_becomes_an_index_of_that_one_manifest_with_its_platform_under_the_same_tag()
    {
        const string manifest = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:config-a"},"layers":[]}""";
        string? put = null, putType = null;
        var registry = new ScriptedRegistry((request, _) =>
        {
            switch (request.Method.Method, request.RequestUri!.AbsolutePath)
            {
                case ("GET", "/v2/e2e/pandoc/manifests/sha256:manifest-a"):
                    var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(manifest) };
                    response.Content.Headers.ContentType = new("application/vnd.oci.image.manifest.v1+json");
                    return response;
                case ("GET", "/v2/e2e/pandoc/blobs/sha256:config-a"):
                    return Json("""{"os":"linux","architecture":"arm64","variant":"v8","config":{}}""");
                case ("PUT", "/v2/e2e/pandoc/manifests/v1.2.3"):
                    put = request.Content!.ReadAsStringAsync().GetAwaiter().GetResult();
                    putType = request.Content.Headers.ContentType?.MediaType;
                    return new HttpResponseMessage(HttpStatusCode.Created) { Headers = { { "Docker-Content-Digest", "sha256:index-a" } } };
                default:
                    return new HttpResponseMessage(HttpStatusCode.NotFound);
            }
        });
        using var client = Client(registry);
        var plain = new RemoteManifest(Platform.LinuxArm64, "sha256:manifest-a", "sha256:config-a");
        Assert.Equal("sha256:index-a", await client.PutIndexAsync(ImageReference.Parse("127.0.0.1:5000/e2e/pandoc").WithTag("v1.2.3"), [plain], Bot, CancellationToken.None));
        Assert.Equal("application/vnd.oci.image.index.v1+json", putType);
        using var index = System.Text.Json.JsonDocument.Parse(put!);
        var entry = Assert.Single(index.RootElement.GetProperty("manifests").EnumerateArray());
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", entry.GetProperty("mediaType").GetString());
        Assert.Equal("sha256:manifest-a", entry.GetProperty("digest").GetString());
        Assert.Equal(Encoding.UTF8.GetByteCount(manifest), entry.GetProperty("size").GetInt64());
        Assert.Equal("""{"architecture":"arm64","os":"linux","variant":"v8"}""", entry.GetProperty("platform").GetRawText());

        // As assemble does: the staged manifest read once, then its index written from what that read learnt.
        var staged = await client.GetIndexAsync(ImageReference.Parse("127.0.0.1:5000/e2e/pandoc").WithDigest("sha256:manifest-a"), Bot, CancellationToken.None);
        var firstIndex = put;
        registry.Requests.Clear();
        Assert.Equal("sha256:index-a", await client.PutIndexAsync(ImageReference.Parse("127.0.0.1:5000/e2e/pandoc").WithTag("v1.2.3"), staged!.Manifests, Bot, CancellationToken.None));
        Assert.Equal(firstIndex, put); // the same bytes, so the same digest
        Assert.Equal(["PUT"], registry.Requests.Select(r => r.Split(' ')[0]));
    }

    [Fact]
    public async Task An_index_lists_its_platforms_in_one_order_whatever_order_they_came_in_so_the_same_set_is_the_same_digest()
    {
        var puts = new List<string>();
        var registry = new ScriptedRegistry((request, _) =>
        {
            if (request.Method == HttpMethod.Put)
                puts.Add(request.Content!.ReadAsStringAsync().GetAwaiter().GetResult());
            return new HttpResponseMessage(HttpStatusCode.Created) { Headers = { { "Docker-Content-Digest", "sha256:index" } } };
        });
        using var client = Client(registry);
        RemoteManifest Entry(Platform platform, string digest) =>
            new(platform, digest, "sha256:config") { Descriptor = new ManifestDescriptor("application/vnd.oci.image.manifest.v1+json", 100, null) };
        var amd64 = Entry(Platform.LinuxAmd64, "sha256:" + new string('a', 64));
        var arm64 = Entry(Platform.LinuxArm64, "sha256:" + new string('b', 64));

        await client.PutIndexAsync(ImageReference.Parse("127.0.0.1:5000/e2e/pandoc").WithTag("v1"), [arm64, amd64], Bot, CancellationToken.None);
        await client.PutIndexAsync(ImageReference.Parse("127.0.0.1:5000/e2e/pandoc").WithTag("v1"), [amd64, arm64], Bot, CancellationToken.None);

        Assert.Equal(2, puts.Count);
        Assert.Equal(puts[0], puts[1]);
        using var index = System.Text.Json.JsonDocument.Parse(puts[0]);
        Assert.Equal(["amd64", "arm64"], index.RootElement.GetProperty("manifests").EnumerateArray()
            .Select(m => m.GetProperty("platform").GetProperty("architecture").GetString()));
    }

    [Fact]
    public async Task A_layout_is_pushed_by_digest_uploading_only_the_blobs_the_repository_lacks()
    {
        var layout = Directory.CreateTempSubdirectory("layout-");
        try
        {
            const string manifest = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:cfg"},"layers":[{"digest":"sha256:new"},{"digest":"sha256:old"}]}""";
            Directory.CreateDirectory(Path.Combine(layout.FullName, "blobs", "sha256"));
            File.WriteAllText(Path.Combine(layout.FullName, "blobs", "sha256", "man"), manifest);
            File.WriteAllText(Path.Combine(layout.FullName, "blobs", "sha256", "new"), "layer bytes");
            File.WriteAllText(Path.Combine(layout.FullName, "index.json"),
                """{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:man","size":1}]}""");
            string? uploaded = null, putManifest = null;
            var registry = new ScriptedRegistry((request, _) =>
            {
                var path = request.RequestUri!.AbsolutePath;
                switch (request.Method.Method)
                {
                    case "HEAD":
                        return new HttpResponseMessage(path.EndsWith("sha256:new", StringComparison.Ordinal) ? HttpStatusCode.NotFound : HttpStatusCode.OK);
                    case "POST" when path == "/v2/e2e/x/blobs/uploads/":
                        return new HttpResponseMessage(HttpStatusCode.Accepted) { Headers = { Location = new Uri("/v2/e2e/x/blobs/uploads/u1?_state=s", UriKind.Relative) } };
                    case "PUT" when path == "/v2/e2e/x/blobs/uploads/u1":
                        uploaded = $"{request.RequestUri.Query} {request.Content!.ReadAsStringAsync().GetAwaiter().GetResult()}";
                        return new HttpResponseMessage(HttpStatusCode.Created);
                    case "PUT" when path == "/v2/e2e/x/manifests/sha256:man":
                        putManifest = $"{request.Content!.Headers.ContentType?.MediaType} {request.Content.ReadAsStringAsync().GetAwaiter().GetResult()}";
                        return new HttpResponseMessage(HttpStatusCode.Created);
                    default:
                        return new HttpResponseMessage(HttpStatusCode.BadRequest);
                }
            });
            using var client = Client(registry);
            Assert.Equal("sha256:man", await client.PushLayoutAsync(ImageReference.Parse("127.0.0.1:5000/e2e/x"), layout.FullName, Bot, CancellationToken.None));
            Assert.Equal("?_state=s&digest=sha256%3Anew layer bytes", uploaded);
            Assert.Equal($"application/vnd.oci.image.manifest.v1+json {manifest}", putManifest);
            Assert.Single(registry.Requests, r => r.StartsWith("POST ", StringComparison.Ordinal)); // sha256:old and the config were there
            Assert.DoesNotContain(registry.Requests, r => r.Contains("/manifests/", StringComparison.Ordinal) && !r.Contains("sha256:man", StringComparison.Ordinal));
        }
        finally
        {
            layout.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Server_errors_are_retried_with_backoff()
    {
        var registry = new ScriptedRegistry((_, n) => n < 3 ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) : new HttpResponseMessage(HttpStatusCode.OK));
        using var client = Client(registry);
        await client.CheckCredentialsAsync(ImageReference.Parse("127.0.0.1:5000/x"), Bot, CancellationToken.None);
        Assert.Equal(3, registry.Requests.Count);
    }

    [Fact]
    public async Task Too_many_requests_waits_for_retry_after()
    {
        var registry = new ScriptedRegistry((_, n) => n == 1
            ? new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Headers = { RetryAfter = new(TimeSpan.FromMilliseconds(300)) } }
            : new HttpResponseMessage(HttpStatusCode.OK));
        using var client = Client(registry);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await client.CheckCredentialsAsync(ImageReference.Parse("127.0.0.1:5000/x"), Bot, CancellationToken.None);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250)); // honoured the header (a bound, not a timing assertion)
        Assert.Equal(2, registry.Requests.Count);
    }

    [Fact]
    public async Task A_registry_that_stays_down_gives_one_clear_error_naming_repository_and_tag()
    {
        using var client = new RegistryClient { Backoff = TimeSpan.FromMilliseconds(1), Attempts = 3 };
        var failure = await Assert.ThrowsAsync<PipelineFailure>(() => client.GetIndexAsync(ImageReference.Parse("127.0.0.1:1/e2e/pandoc").WithTag("v1.2.3"), Bot, CancellationToken.None));
        Assert.StartsWith("cannot reach the registry for 127.0.0.1:1/e2e/pandoc:v1.2.3 at 127.0.0.1:1 after 3 attempts", failure.Message);
    }

    [Fact]
    public async Task Persistent_server_errors_name_the_step()
    {
        var registry = new ScriptedRegistry((_, _) => new HttpResponseMessage(HttpStatusCode.BadGateway));
        using var client = Client(registry);
        var failure = await Assert.ThrowsAsync<PipelineFailure>(() => client.GetIndexAsync(ImageReference.Parse("127.0.0.1:5000/e2e/pandoc").WithTag("v1.2.3"), Bot, CancellationToken.None));
        Assert.Contains("reading 127.0.0.1:5000/e2e/pandoc:v1.2.3 from 127.0.0.1:5000: the registry answered 502", failure.Message);
        Assert.Equal(4, registry.Requests.Count);
    }
}
