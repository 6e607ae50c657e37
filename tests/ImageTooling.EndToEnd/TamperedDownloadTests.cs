using ImageTooling.Catalog;
using ImageTooling.Harness;
using ImageTooling.Registry;
using ImageTooling.Testing;
using Xunit.Abstractions;

namespace ImageTooling.EndToEnd;

/// <summary>
/// Real releases of tooling-k8s for linux/amd64 against a mirror that serves one tampered download: the
/// build fails, the failure names the catalog entry and the architecture in one line, and nothing reaches
/// the registry. Each mirror has a port of its own, so the download steps miss the build cache and really
/// run; the Debian layers below them come from the cache.
/// </summary>
[Collection(nameof(HarnessCollection))]
public sealed class TamperedDownloadTests(Harness harness, ITestOutputHelper output)
{
    private const string Image = "tooling-k8s";
    private static readonly Platform Amd64 = new("linux", "amd64");

    private static string FileNameOf(string url) => url[(url.LastIndexOf('/') + 1)..];

    private IEnumerable<(Tool Tool, Download Download)> Downloads => ImageCatalog.Downloaded(harness.Catalog.AllToolsOf(harness.Catalog.Image(Image)));

    /// <summary>A release of tooling-k8s for linux/amd64 through the mirror, to a namespace of the test's own.</summary>
    private (Imagetool.Result Result, string Repository) PublishThrough(StaticFileServer mirror, string imagesDir, string test)
    {
        var ns = $"{harness.Registry}/e2e-{harness.RunId}-{test}";
        var result = harness.RunOn(imagesDir, mirror.Url, output, harness.PasswordEnv(), interruptWhen: null,
            "publish-multi-arch", "--tag", "v5.0.0", "--registry", ns, "--username", harness.User, "--image", Image, "--platform", "linux/amd64");
        return (result, $"{ns}/{Image}");
    }

    private async Task AssertFailsWithOneLineAndPublishesNothing((Imagetool.Result Result, string Repository) run, Tool tool, string reason)
    {
        Assert.Equal(1, run.Result.Exit);
        Assert.DoesNotContain($"[build] {Image} linux/amd64 done", run.Result.Out);
        var line = Assert.Single(run.Result.Err.Split('\n'), l => l.Contains($"{tool.ArgPrefix}_DOWNLOAD (amd64)", StringComparison.Ordinal));
        Assert.Contains(reason, line);
        using var registry = new RegistryClient();
        Assert.Empty(await registry.ListTagsAsync(run.Repository, harness.Credentials, CancellationToken.None));
    }

    [Fact]
    public async Task A_download_whose_bytes_differ_from_the_pinned_sha256_fails_the_release()
    {
        var (tool, download) = Downloads.First(d => d.Download.Sha256.ContainsKey("amd64"));
        var url = tool.Render(download.Url, Amd64);
        var tampered = File.ReadAllBytes(harness.StandIns.FileOf(url)).Append((byte)'\n').ToArray();
        using var mirror = new StaticFileServer(harness.StandIns.Root, LoopbackServer.FreePort(), new Dictionary<string, byte[]> { [StandInReleases.PathOf(url)] = tampered });

        var run = PublishThrough(mirror, harness.ImagesWithStandIns, "tampered-bytes");

        await AssertFailsWithOneLineAndPublishesNothing(run, tool, $"sha256 mismatch for {FileNameOf(url)}: expected {harness.StandIns.Sha256[(tool.Name, "amd64")]}, got ");
    }

    [Fact]
    public async Task A_checksum_file_that_does_not_list_the_download_fails_the_release()
    {
        var (tool, download) = Downloads.First(d => d.Download.ChecksumsUrl is not null);
        var sha = harness.StandIns.Sha256[(tool.Name, "amd64")];
        // Without its amd64 pin the catalog leaves the download to the checksum file, which no longer lists it.
        var images = harness.StandIns.CatalogCopy(harness.Catalog, Path.Combine(TestRepository.Root, "artifacts", "e2e", "images-unpinned"));
        var catalogFile = Path.Combine(images, CatalogLoader.FileName);
        File.WriteAllText(catalogFile, File.ReadAllText(catalogFile).Replace($"        amd64: {sha}\n", "", StringComparison.Ordinal));
        Assert.False(Assert.IsType<Download>(CatalogLoader.Load(images).Tools[tool.Name].Source).Sha256.ContainsKey("amd64"));

        var checksumsUpstream = tool.Render(download.ChecksumsUrl!, Amd64);
        var listed = File.ReadAllLines(harness.StandIns.FileOf(checksumsUpstream));
        var unlisted = string.Concat(listed.Where(l => !l.Contains(sha, StringComparison.Ordinal)).Select(l => l + "\n"));
        using var mirror = new StaticFileServer(harness.StandIns.Root, LoopbackServer.FreePort(),
            new Dictionary<string, byte[]> { [StandInReleases.PathOf(checksumsUpstream)] = System.Text.Encoding.UTF8.GetBytes(unlisted) });

        var run = PublishThrough(mirror, images, "tampered-checksums");

        var url = tool.Render(download.Url, Amd64);
        var checksumsUrl = BuildArguments.Mirror(checksumsUpstream, mirror.Url);
        await AssertFailsWithOneLineAndPublishesNothing(run, tool, $"the checksum file {checksumsUrl} lists no sha256 for {FileNameOf(url)}");
    }
}
