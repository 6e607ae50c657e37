using System.Text.Json;

namespace ImageTooling.EndToEnd;

/// <summary>
/// The release as native runners make it: one <c>stage</c> run per platform pushes its variants by digest with no tag,
/// then <c>assemble</c> puts each index together registry-side from the two run reports and tags it. Both "runners" are
/// this machine's podman (the same storage, so the shared release's layers are reused; its smoke tests run again), and
/// only buildx is staged: the protocol is the same for every image, and the full release is checked above.
/// </summary>
[Collection(nameof(HarnessCollection))]
public sealed class StagedReleaseTests(Harness harness, ITestOutputHelper output)
{
    [Fact]
    public async Task Platforms_staged_apart_are_assembled_into_one_index_and_the_same_flow_again_changes_nothing()
    {
        Assert.Equal(0, harness.Release(output).Exit); // its layers are what the stage runs reuse
        var ns = $"{harness.Registry}/e2e-{harness.RunId}-staged";
        var reports = Path.Combine(TestRepository.Root, "artifacts", "e2e", "staged");
        Directory.CreateDirectory(reports);
        string[] common = ["--tag", "v4.0.0", "--registry", ns, "--username", harness.User, "--image", "buildx"];
        string Stage(Platform platform)
        {
            var report = Path.Combine(reports, $"stage-{platform.Architecture}.json");
            var run = harness.Run(output, harness.PasswordEnv(), ["stage", .. common, "--platform", platform.ToString(), "--metadata-file", report]);
            Assert.Equal(0, run.Exit);
            return report;
        }
        var staged = harness.Platforms.Select(Stage).ToList();

        using var registry = new RegistryClient();
        var ct = CancellationToken.None;
        Assert.Empty(await registry.ListTagsAsync(ImageReference.Parse($"{ns}/buildx"), harness.Credentials, ct)); // staged by digest: no tag yet
        var stagedDigests = staged.SelectMany(StagedDigests).ToList();
        Assert.Equal(harness.Platforms.Count, stagedDigests.Count);

        var assembled = Path.Combine(reports, "assemble.json");
        string[] assemble = ["assemble", .. common, .. harness.PlatformOptions, .. staged.SelectMany(r => new[] { "--staged", r }), "--metadata-file", assembled];
        // Registry-side only, so it runs where no local engine is installed: nothing but git on PATH (no podman, buildah, skopeo).
        var first = harness.Run(output, WithoutEngine(harness.PasswordEnv()), assemble);
        Assert.Equal(0, first.Exit);
        Assert.Empty(RunReport.Read(assembled).Nodes); // registry-side: nothing built
        Assert.Equal(["latest", "v4", "v4.0", "v4.0.0"], (await registry.ListTagsAsync(ImageReference.Parse($"{ns}/buildx"), harness.Credentials, ct)).Order(StringComparer.Ordinal));

        var inspect = harness.Skopeo("inspect", "--raw", "--tls-verify=false", $"docker://{ns}/buildx:v4.0.0");
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        using var index = JsonDocument.Parse(inspect.StandardOutput);
        var entries = index.RootElement.GetProperty("manifests").EnumerateArray()
            .Select(m => (Arch: m.GetProperty("platform").GetProperty("architecture").GetString(), Digest: m.GetProperty("digest").GetString()!)).ToList();
        Assert.Equal(harness.Environment.Architectures.Order(StringComparer.Ordinal), entries.Select(e => e.Arch).Order(StringComparer.Ordinal));
        Assert.Equal(stagedDigests.Order(StringComparer.Ordinal), entries.Select(e => e.Digest).Order(StringComparer.Ordinal));

        // The same flow again: the same builds, the same staged digests, the same index; nothing moves.
        var again = harness.Platforms.Select(Stage).SelectMany(StagedDigests).ToList();
        Assert.Equal(stagedDigests.Order(StringComparer.Ordinal), again.Order(StringComparer.Ordinal));
        var before = await registry.GetIndexAsync(ImageReference.Parse($"{ns}/buildx").WithTag("latest"), harness.Credentials, ct);
        var second = harness.Run(output, harness.PasswordEnv(), assemble);
        Assert.Equal(0, second.Exit);
        Assert.Equal("unchanged", RunReport.Read(assembled).Published.Single(p => p.Reference == $"{ns}/buildx:v4.0.0").Status);
        Assert.Equal(before!.Digest, (await registry.GetIndexAsync(ImageReference.Parse($"{ns}/buildx").WithTag("latest"), harness.Credentials, ct))!.Digest);

        // A set missing a platform (the catalog's platforms, one of them staged) is refused, naming what is missing, and moves nothing.
        var missing = harness.Catalog.Image("buildx").Platforms.First(p => p != harness.Platforms[0]);
        var partial = harness.Run(output, harness.PasswordEnv(), ["assemble", .. common, "--staged", staged[0]]);
        Assert.Equal(2, partial.Exit);
        Assert.Contains($"{missing}: nothing staged", partial.Err);
        Assert.Equal(before.Digest, (await registry.GetIndexAsync(ImageReference.Parse($"{ns}/buildx").WithTag("latest"), harness.Credentials, ct))!.Digest);
    }

    private static Dictionary<string, string?> WithoutEngine(IDictionary<string, string?> environment)
    {
        var bin = Directory.CreateTempSubdirectory("imagetool-no-engine-").FullName;
        var git = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, "git")).First(File.Exists);
        File.CreateSymbolicLink(Path.Combine(bin, "git"), git);
        return new Dictionary<string, string?>(environment) { ["PATH"] = bin };
    }

    private static IEnumerable<string> StagedDigests(string reportFile) => RunReport.Read(reportFile).Staged.Select(s => s.Digest).ToList();
}
