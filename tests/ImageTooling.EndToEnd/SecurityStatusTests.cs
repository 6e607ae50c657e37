using ImageTooling.Security;

namespace ImageTooling.EndToEnd;

/// <summary>
/// <c>imagetool security-status</c> on what the shared release published, for every provisioned platform: built with the
/// fixes Debian's archive held, the images have none pending (exit 0); asked against a stand-in security archive that
/// holds a newer <see cref="StandInSecurityArchive.Package"/>, every image lacks that fix, and the command names it (exit 1).
/// The shared release's own smoke tests ran the same check on every node (the catalog's <c>security-check</c>).
/// </summary>
[Collection(nameof(HarnessCollection))]
public sealed class SecurityStatusTests(Harness harness, ITestOutputHelper output)
{
    private SecurityReport Check(string name, int exit, params string[] options)
    {
        var report = Path.Combine(TestRepository.Root, "artifacts", "e2e", $"security-{name}.json");
        var run = harness.RunWithoutBuilding(output, harness.PasswordEnv(), ["security-status", "--registry", harness.ReleaseNamespace, "--username", harness.User,
            "--image", "buildx", .. harness.PlatformOptions, "--metadata-file", report, .. options]);
        Assert.True(run.Exit == exit, run.All);
        return SecurityReport.Parse(File.ReadAllText(report));
    }

    [Fact]
    public void The_published_images_lack_no_security_fix_and_one_the_archive_adds_is_named_per_platform()
    {
        Assert.Equal(0, harness.Release(output).Exit);

        var clean = Check("clean", 0);
        Assert.Equal("latest", clean.Tag);
        Assert.Equal(harness.Platforms, clean.Images.Select(i => i.Platform));
        Assert.All(clean.Images, i => Assert.True(i.Clean, $"{i.Platform}: {i.Error} {string.Join(", ", i.Pending)}"));
        Assert.All(clean.Images, i => Assert.StartsWith("sha256:", i.Digest, StringComparison.Ordinal));

        var archive = StandInSecurityArchive.Create(Path.Combine(TestRepository.Root, "artifacts", "e2e", "security-archive"), harness.Environment.Architectures);
        using var server = new StaticFileServer(archive.Root, LoopbackServer.FreePort());
        var dirty = Check("dirty", 1, "--security-archive", StandInSecurityArchive.SourceLine(server.Url));
        Assert.All(dirty.Images, i =>
        {
            Assert.Null(i.Error);
            var fix = Assert.Single(i.Pending);
            Assert.Equal((StandInSecurityArchive.Package, StandInSecurityArchive.FixedVersion), (fix.Package, fix.Fixed));
        });
    }
}
