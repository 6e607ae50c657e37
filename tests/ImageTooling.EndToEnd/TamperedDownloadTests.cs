namespace ImageTooling.EndToEnd;

/// <summary>
/// Real releases of tooling-k8s for one platform (the native one where provisioned) against a mirror that serves one tampered download: the
/// build fails, the failure names the catalog entry and the architecture in one line, and nothing reaches
/// the registry. Each mirror has a port of its own, so the download steps miss the build cache and really
/// run; the Debian layers below them come from the cache.
/// </summary>
[Collection(nameof(HarnessCollection))]
public sealed class TamperedDownloadTests(Harness harness, ITestOutputHelper output)
{
    private const string Image = "tooling-k8s";

    private static string FileNameOf(string url) => url[(url.LastIndexOf('/') + 1)..];

    private IEnumerable<(Tool Tool, Download Download)> Downloads => ImageCatalog.Downloaded(harness.Catalog.AllToolsOf(harness.Catalog.Image(Image)));

    private Platform Quick => harness.Quick;

    /// <summary>A release of tooling-k8s for the quick platform through the mirror, to a namespace of the test's own.</summary>
    private (Imagetool.Result Result, string Repository, RunReport Report) PublishThrough(StaticFileServer mirror, string imagesDir, string test)
    {
        var ns = $"{harness.Registry}/e2e-{harness.RunId}-{test}";
        var report = Path.Combine(TestRepository.Root, "artifacts", "e2e", $"{test}.json");
        var result = harness.RunOn(imagesDir, mirror.Url, output, harness.PasswordEnv(), interruptWhen: null,
            "publish-multi-arch", "--tag", "v5.0.0", "--registry", ns, "--username", harness.User, "--image", Image, "--platform", Quick.ToString(), "--metadata-file", report);
        return (result, $"{ns}/{Image}", RunReport.Read(report));
    }

    private async Task AssertFailsWithOneLineAndPublishesNothing((Imagetool.Result Result, string Repository, RunReport Report) run, Tool tool, string reason)
    {
        Assert.Equal(1, run.Result.Exit);
        Assert.Equal("failed", run.Report.Nodes.Single(n => n.Image == Image).Status);
        Assert.Empty(run.Report.Published);
        var line = Assert.Single(run.Result.Err.Split('\n'), l => l.Contains($"{tool.ArgPrefix}_DOWNLOAD ({Quick.Architecture})", StringComparison.Ordinal));
        Assert.Contains(reason, line);
        using var registry = new RegistryClient();
        Assert.Empty(await registry.ListTagsAsync(ImageReference.Parse(run.Repository), harness.Credentials, CancellationToken.None));
    }

    [Fact]
    public async Task A_download_whose_bytes_differ_from_the_pinned_sha256_fails_the_release()
    {
        var (tool, download) = Downloads.First(d => d.Download.Sha256.ContainsKey(Quick.Architecture));
        var url = tool.Render(download.Url, Quick);
        var tampered = File.ReadAllBytes(harness.StandIns.FileOf(url)).Append((byte)'\n').ToArray();
        using var mirror = new StaticFileServer(harness.StandIns.Root, LoopbackServer.FreePort(), new Dictionary<string, byte[]> { [StandInReleases.PathOf(url)] = tampered });

        var run = PublishThrough(mirror, harness.ImagesWithStandIns, "tampered-bytes");

        await AssertFailsWithOneLineAndPublishesNothing(run, tool, $"sha256 mismatch for {FileNameOf(url)}: expected {harness.StandIns.Sha256[(tool.Name, Quick.Architecture)]}, got ");
    }

    [Fact]
    public async Task A_checksum_file_that_does_not_list_the_download_fails_the_release()
    {
        var (tool, download) = Downloads.First(d => d.Download.ChecksumsUrl is not null);
        var sha = harness.StandIns.Sha256[(tool.Name, Quick.Architecture)];
        // Without its pin for this architecture the catalog leaves the download to the checksum file, which no longer lists it.
        var images = harness.StandIns.CatalogCopy(harness.Catalog, Path.Combine(TestRepository.Root, "artifacts", "e2e", "images-unpinned"));
        var catalogFile = Path.Combine(images, CatalogLoader.FileName);
        File.WriteAllText(catalogFile, File.ReadAllText(catalogFile).Replace($"        {Quick.Architecture}: {sha}\n", "", StringComparison.Ordinal));
        Assert.False(Assert.IsType<Download>(CatalogLoader.Load(images).Tools[tool.Name].Source).Sha256.ContainsKey(Quick.Architecture));

        var checksumsUpstream = tool.Render(download.ChecksumsUrl!, Quick);
        var listed = File.ReadAllLines(harness.StandIns.FileOf(checksumsUpstream));
        var unlisted = string.Concat(listed.Where(l => !l.Contains(sha, StringComparison.Ordinal)).Select(l => l + "\n"));
        using var mirror = new StaticFileServer(harness.StandIns.Root, LoopbackServer.FreePort(),
            new Dictionary<string, byte[]> { [StandInReleases.PathOf(checksumsUpstream)] = System.Text.Encoding.UTF8.GetBytes(unlisted) });

        var run = PublishThrough(mirror, images, "tampered-checksums");

        var url = tool.Render(download.Url, Quick);
        var checksumsUrl = BuildArguments.Mirror(checksumsUpstream, mirror.Url);
        await AssertFailsWithOneLineAndPublishesNothing(run, tool, $"the checksum file {checksumsUrl} lists no sha256 for {FileNameOf(url)}");
    }
}
