using System.Formats.Tar;
using System.Net;
using System.Text;
using System.Text.Json;
using ImageTooling.Catalog;
using ImageTooling.Dagger.Tests.Simulated;
using Xunit.Abstractions;

namespace ImageTooling.Dagger.Tests;

/// <summary>
/// Staging on the Dagger engine: the variant leaves the session as an OCI tarball (<c>asTarball</c>, <c>export</c>) and
/// is unpacked into a layout. No Dagger engine runs here, so the session is a stand-in that answers the one request by
/// writing a small OCI tarball where the request says; the request itself is validated against the schema.
/// </summary>
public sealed class ExportLayoutTests(ITestOutputHelper output)
{
    private sealed class ExportingSession(Action<string> export) : HttpMessageHandler
    {
        public List<SessionRequest> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken));
            var query = body.RootElement.GetProperty("query").GetString()!;
            var variables = body.RootElement.GetProperty("variables");
            Requests.Add(new SessionRequest("ExportTarball", query, variables.GetRawText()));
            var path = variables.GetProperty("path").GetString()!;
            export(path);
            var answer = JsonSerializer.Serialize(new { data = new { node = new { asTarball = new { export = path } } } });
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(answer, Encoding.UTF8, "application/json") };
        }
    }

    /// <summary>An OCI tarball of one manifest, as <c>asTarball</c> writes one: oci-layout, index.json, blobs/sha256/.</summary>
    private static void WriteTarball(string path)
    {
        using var stream = File.Create(path);
        using var tar = new TarWriter(stream);
        void Add(string name, string text) =>
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
        Add("oci-layout", """{"imageLayoutVersion":"1.0.0"}""");
        Add("index.json", """{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aaaa","size":2}]}""");
        Add("blobs/sha256/aaaa", "{}");
    }

    [Fact]
    public async Task A_variant_is_exported_as_an_oci_tarball_through_a_schema_valid_request_and_unpacked_into_the_layout()
    {
        var session = new ExportingSession(WriteTarball);
        using var client = new DaggerClient(new Uri("http://127.0.0.1:1/query"), "token", session);
        var engine = new DaggerEngine(client, new DirectoryId("images-directory-id"));
        var plan = BuildPlan.Create(CatalogLoader.Load(TestRepositoryImages()), new PlanOptions { Images = ["buildx"], Platforms = ["linux/arm64"] });
        var layout = Directory.CreateTempSubdirectory("dagger-layout-");
        try
        {
            await engine.ExportLayoutAsync(new BuiltImage(plan.Nodes.Single(), "container-id"), layout.FullName, CancellationToken.None);
            Assert.True(File.Exists(Path.Combine(layout.FullName, "index.json")));
            Assert.Equal("{}", File.ReadAllText(Path.Combine(layout.FullName, "blobs", "sha256", "aaaa")));
            var request = Assert.Single(session.Requests);
            Assert.Contains("asTarball(forcedCompression: Gzip, mediaTypes: OCIMediaTypes)", request.Query, StringComparison.Ordinal);
            Assert.Contains("\"container\":\"container-id\"", request.VariablesJson, StringComparison.Ordinal);
            await Contract.ValidateAsync([("stage", request)], output);
        }
        finally
        {
            layout.Delete(recursive: true);
        }
    }

    private static string TestRepositoryImages() => Path.Combine(ImageTooling.Testing.TestRepository.Root, "images");
}
