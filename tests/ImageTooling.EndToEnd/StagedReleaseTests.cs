using System.Text.Json;
using ImageTooling.Harness;
using ImageTooling.Registry;
using ImageTooling.Testing;
using Xunit.Abstractions;

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
    public async Task Two_platforms_staged_apart_are_assembled_into_one_index_and_the_same_flow_again_changes_nothing()
    {
        Assert.Equal(0, harness.Release(output).Exit); // its layers are what the stage runs reuse
        var ns = $"{harness.Registry}/e2e-{harness.RunId}-staged";
        var reports = Path.Combine(TestRepository.Root, "artifacts", "e2e", "staged");
        Directory.CreateDirectory(reports);
        string[] common = ["--tag", "v4.0.0", "--registry", ns, "--username", harness.User, "--image", "buildx"];
        string Stage(string arch)
        {
            var report = Path.Combine(reports, $"stage-{arch}.json");
            var run = harness.Run(output, harness.PasswordEnv(), ["stage", .. common, "--platform", $"linux/{arch}", "--metadata-file", report]);
            Assert.Equal(0, run.Exit);
            return report;
        }
        var amd64 = Stage("amd64");
        var arm64 = Stage("arm64");

        using var registry = new RegistryClient();
        var ct = CancellationToken.None;
        Assert.Empty(await registry.ListTagsAsync($"{ns}/buildx", harness.Credentials, ct)); // staged by digest: no tag yet
        var stagedDigests = new[] { amd64, arm64 }.SelectMany(StagedDigests).ToList();
        Assert.Equal(2, stagedDigests.Count);

        string[] assemble = ["assemble", .. common, "--staged", amd64, "--staged", arm64, "--metadata-file", Path.Combine(reports, "assemble.json")];
        var first = harness.Run(output, harness.PasswordEnv(), assemble);
        Assert.Equal(0, first.Exit);
        Assert.DoesNotContain("[build]", first.Out);
        Assert.Equal(["latest", "v4", "v4.0", "v4.0.0"], (await registry.ListTagsAsync($"{ns}/buildx", harness.Credentials, ct)).Order(StringComparer.Ordinal));

        var inspect = harness.Skopeo("inspect", "--raw", "--tls-verify=false", $"docker://{ns}/buildx:v4.0.0");
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        using var index = JsonDocument.Parse(inspect.StandardOutput);
        var entries = index.RootElement.GetProperty("manifests").EnumerateArray()
            .Select(m => (Arch: m.GetProperty("platform").GetProperty("architecture").GetString(), Digest: m.GetProperty("digest").GetString()!)).ToList();
        Assert.Equal(["amd64", "arm64"], entries.Select(e => e.Arch).Order(StringComparer.Ordinal));
        Assert.Equal(stagedDigests.Order(StringComparer.Ordinal), entries.Select(e => e.Digest).Order(StringComparer.Ordinal));

        // The same flow again: the same builds, the same staged digests, the same index; nothing moves.
        var again = new[] { Stage("amd64"), Stage("arm64") }.SelectMany(StagedDigests).ToList();
        Assert.Equal(stagedDigests.Order(StringComparer.Ordinal), again.Order(StringComparer.Ordinal));
        var before = await registry.GetIndexAsync($"{ns}/buildx", "latest", harness.Credentials, ct);
        var second = harness.Run(output, harness.PasswordEnv(), assemble);
        Assert.Equal(0, second.Exit);
        using var report = RunReportFile.Read(Path.Combine(reports, "assemble.json"));
        Assert.Equal("unchanged", RunReportFile.Published(report, $"{ns}/buildx:v4.0.0").Status);
        Assert.Equal(before!.Digest, (await registry.GetIndexAsync($"{ns}/buildx", "latest", harness.Credentials, ct))!.Digest);

        // A set missing a platform is refused, naming it, and moves nothing.
        var partial = harness.Run(output, harness.PasswordEnv(), ["assemble", .. common, "--staged", amd64]);
        Assert.Equal(2, partial.Exit);
        Assert.Contains("linux/arm64: nothing staged", partial.Err);
        Assert.Equal(before.Digest, (await registry.GetIndexAsync($"{ns}/buildx", "latest", harness.Credentials, ct))!.Digest);
    }

    private static IEnumerable<string> StagedDigests(string reportFile)
    {
        using var report = RunReportFile.Read(reportFile);
        return report.RootElement.GetProperty("staged").EnumerateArray().Select(s => s.GetProperty("digest").GetString()!).ToList();
    }
}
