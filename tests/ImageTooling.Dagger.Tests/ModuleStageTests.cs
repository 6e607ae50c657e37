using System.Text.Json;
using ImageTooling.Dagger.Tests.Simulated;
using Xunit.Abstractions;

namespace ImageTooling.Dagger.Tests;

/// <summary>
/// `dagger call stage` on one runner per platform, then `dagger call assemble --staged A.json --staged B.json`, simulated:
/// the module's own code under the SDK's entrypoint, imagetool as the nested client (stage exports each variant with
/// <c>asTarball</c>/<c>export</c> and pushes it by digest; assemble only talks to the registry), and a stand-in registry
/// that holds what was pushed. Each runner is a session of its own with an engine cache of its own.
/// </summary>
internal static class StagedRelease
{
    public const string Revision = "0123456789abcdef0123456789abcdef01234567";

    public const long SourceDateEpoch = 1_700_000_000;

    public const string BranchTag = "feature-x-1a2b3c4";

    /// <summary>One runner's share of the v1.2.3 release; a fixed revision and time, so the same build gives the same image.</summary>
    public static Dictionary<string, object> ReleaseStage(string platform) => new()
    {
        ["tag"] = "v1.2.3",
        ["image"] = new[] { "pandoc" },
        ["platform"] = new[] { platform },
        ["revision"] = Revision,
        ["sourceDateEpoch"] = SourceDateEpoch,
    };

    public static Dictionary<string, object> ReleaseAssemble() => new() { ["tag"] = "v1.2.3", ["image"] = new[] { "pandoc" } };

    public static Dictionary<string, object> BranchStage(string platform) => new()
    {
        ["branchTag"] = BranchTag,
        ["image"] = new[] { "pandoc" },
        ["platform"] = new[] { platform },
    };

    public static Dictionary<string, object> BranchAssemble() => new()
    {
        ["branchTag"] = BranchTag,
        ["image"] = new[] { "pandoc" },
        ["noFloatingTags"] = true,
        ["force"] = true,
    };

    /// <summary>What every call here is given besides the arguments above (assemble also gets <c>staged</c>).</summary>
    public static readonly string[] Credentials = ["username", "token", "registry"];

    /// <summary>
    /// A call of the module with the registry's user, the token as `--token env://DOCKERHUB_TOKEN` makes it, and the
    /// stand-in registry's namespace; <paramref name="files"/> become File arguments (each a run report, by its ID).
    /// </summary>
    public static (string? Value, string? Error, Scenario Run) Call(
        StandInRegistryServer registry, SimulatedEngineCache runner, string function, Dictionary<string, object> more, IReadOnlyList<string>? files = null)
    {
        var run = new Scenario(cache: runner);
        run.Session.ClientEnvironment["DOCKERHUB_TOKEN"] = Scenario.Token;
        var arguments = new Dictionary<string, object>(more)
        {
            ["username"] = "bot",
            ["token"] = run.Session.Adopt(new SimSecret("env://DOCKERHUB_TOKEN")),
            ["registry"] = $"{registry.Host}/best-tools",
        };
        // What `dagger call assemble --staged a.json --staged b.json` hands the module: a list of File IDs.
        if (files is not null) arguments["staged"] = files.Select(f => run.Session.Adopt(new SimFile(f))).ToArray();
        var (value, error) = Module.TryInvoke(run.Session, function, arguments);
        return (value, error, run);
    }

    public static (string Report, Scenario Run) Stage(StandInRegistryServer registry, SimulatedEngineCache runner, Dictionary<string, object> arguments)
    {
        var (value, error, run) = Call(registry, runner, "stage", arguments);
        Assert.True(value is not null, $"stage failed: {error}");
        return (value, run);
    }

    public static (string Report, Scenario Run) Assemble(StandInRegistryServer registry, IReadOnlyList<string> reports, Dictionary<string, object> arguments)
    {
        var (value, error, run) = Call(registry, new SimulatedEngineCache(), "assemble", arguments, reports);
        Assert.True(value is not null, $"assemble failed: {error}");
        return (value, run);
    }

    internal sealed record Staged(string Image, string Repository, string Platform, string Digest, string? InputsDigest);

    /// <summary>The <c>staged</c> list of a stage run report (docs/run-report.md).</summary>
    public static IReadOnlyList<Staged> StagedOf(string report)
    {
        using var json = JsonDocument.Parse(report);
        return json.RootElement.GetProperty("staged").EnumerateArray().Select(s => new Staged(
            s.GetProperty("image").GetString()!, s.GetProperty("repository").GetString()!, s.GetProperty("platform").GetString()!,
            s.GetProperty("digest").GetString()!, s.GetProperty("inputsDigest").GetString())).ToList();
    }

    /// <summary>The platforms and manifest digests of the OCI index the registry holds under a tag.</summary>
    public static IReadOnlyList<(string Platform, string Digest)> IndexOf(StandInRegistryServer registry, string reference)
    {
        var content = registry.Content(reference);
        Assert.True(content is not null, $"the registry holds nothing under {reference}");
        Assert.Equal("application/vnd.oci.image.index.v1+json", content.Value.MediaType);
        using var json = JsonDocument.Parse(content.Value.Body);
        return json.RootElement.GetProperty("manifests").EnumerateArray()
            .Select(m => ($"{m.GetProperty("platform").GetProperty("os").GetString()}/{m.GetProperty("platform").GetProperty("architecture").GetString()}", m.GetProperty("digest").GetString()!))
            .ToList();
    }

    /// <summary>The labels of a pushed image's config.</summary>
    public static IReadOnlyDictionary<string, string> LabelsOf(StandInRegistryServer registry, string repository, string manifestDigest)
    {
        using var manifest = JsonDocument.Parse(registry.Content($"{repository}@{manifestDigest}")!.Value.Body);
        var config = manifest.RootElement.GetProperty("config").GetProperty("digest").GetString()!;
        using var json = JsonDocument.Parse(registry.Content($"{repository}@{config}")!.Value.Body);
        return json.RootElement.GetProperty("config").GetProperty("Labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }

    /// <summary>The tag or digest of each manifest PUT among the registry's requests, in order.</summary>
    public static IReadOnlyList<string> ManifestPuts(IEnumerable<string> requests, string path) =>
        requests.Where(r => r.StartsWith($"PUT /v2/{path}/manifests/", StringComparison.Ordinal)).Select(r => r[$"PUT /v2/{path}/manifests/".Length..]).ToList();

    /// <summary>
    /// The token reached imagetool only as a secret variable: it is in no request to the session, no exec argument, no
    /// plain variable of a container, no output and no error of the runs; and no registry request names it.
    /// </summary>
    public static void AssertTokenNowhere(IEnumerable<Scenario> runs, StandInRegistryServer registry, params string?[] texts)
    {
        foreach (var run in runs)
        {
            Assert.All(run.Session.Requests, r => Assert.DoesNotContain(Scenario.Token, r.Query + r.VariablesJson, StringComparison.Ordinal));
            Assert.All(run.Session.Execs, e =>
            {
                Assert.DoesNotContain(e.Args, a => a.Contains(Scenario.Token, StringComparison.Ordinal));
                Assert.DoesNotContain(e.Container.Env.Values, v => v.Contains(Scenario.Token, StringComparison.Ordinal));
                Assert.DoesNotContain(Scenario.Token, e.Result.Stdout + e.Result.Stderr, StringComparison.Ordinal);
            });
            Assert.Contains(run.Session.Requests, r => r.Query.Contains("withSecretVariable", StringComparison.Ordinal));
            Assert.Contains(run.Session.Execs, e => e.Container.SecretEnv.GetValueOrDefault("REGISTRY_PASSWORD")?.Uri == "env://DOCKERHUB_TOKEN");
        }
        Assert.DoesNotContain(registry.Requests, r => r.Contains(Scenario.Token, StringComparison.Ordinal));
        Assert.All(texts, t => Assert.DoesNotContain(Scenario.Token, t ?? "", StringComparison.Ordinal));
    }

    public static List<(string, SessionRequest)> RequestsOf(params (string Name, Scenario Run)[] runs) =>
        runs.SelectMany(r => r.Run.Session.Requests.Select(q => (r.Name, q))).ToList();
}

public sealed class ModuleStageTests(ITestOutputHelper output)
{
    /// <summary>The arguments of stage and assemble the tests here give (ModuleArgumentTests checks they are all of them).</summary>
    internal static IEnumerable<string> StageArgumentsGiven =>
        StagedRelease.ReleaseStage("").Keys.Concat(StagedRelease.BranchStage("").Keys).Concat(StagedRelease.Credentials);

    internal static IEnumerable<string> AssembleArgumentsGiven =>
        StagedRelease.ReleaseAssemble().Keys.Concat(StagedRelease.BranchAssemble().Keys).Concat(StagedRelease.Credentials).Append("staged");

    /// <summary>
    /// The v1.2.3 release made by two runners and an assembly step; then the same three calls again, each runner on its
    /// warm engine (the same builds): the same digests, the same index, and no --force.
    /// </summary>
    [Fact]
    public async Task Each_runner_stages_its_platform_by_digest_assemble_puts_one_index_of_both_under_the_version_tag_then_the_floating_tags_and_the_same_calls_again_converge()
    {
        using var registry = new StandInRegistryServer("bot", Scenario.Token);
        var repository = $"{registry.Host}/best-tools/pandoc";
        var amd64Runner = new SimulatedEngineCache();
        var arm64Runner = new SimulatedEngineCache();
        var runs = new List<(string Name, Scenario Run)>();
        try
        {
            var (amd64, amd64Run) = StagedRelease.Stage(registry, amd64Runner, StagedRelease.ReleaseStage("linux/amd64"));
            runs.Add(("stage linux/amd64", amd64Run));
            output.WriteLine(amd64);
            // One platform image pushed by its digest, the one the session exported; nothing tagged, nothing published by Dagger.
            var amd64Staged = Assert.Single(StagedRelease.StagedOf(amd64));
            Assert.Equal(("pandoc", repository, "linux/amd64"), (amd64Staged.Image, amd64Staged.Repository, amd64Staged.Platform));
            Assert.Equal(Assert.Single(amd64Run.Session.Exports).ManifestDigest, amd64Staged.Digest);
            Assert.Equal(SimOciTarball.ManifestType, registry.Content($"{repository}@{amd64Staged.Digest}")?.MediaType);
            Assert.Empty(registry.TagsOf(repository));
            Assert.Empty(amd64Run.Session.Publishes);
            Assert.Equal(["linux/amd64"], amd64Run.Session.Builds.Select(b => b.Platform));
            // The push by digest: each blob looked up, then uploaded (POST, PUT ?digest=), then the manifest under its digest.
            Assert.Contains(registry.Requests, r => r.StartsWith("HEAD /v2/best-tools/pandoc/blobs/sha256:", StringComparison.Ordinal));
            Assert.Contains("POST /v2/best-tools/pandoc/blobs/uploads/", registry.Requests);
            Assert.Contains(registry.Requests, r => r.StartsWith("PUT /v2/best-tools/pandoc/blobs/uploads/", StringComparison.Ordinal) && r.Contains("?digest=sha256%3A", StringComparison.Ordinal));
            Assert.Equal([amd64Staged.Digest], StagedRelease.ManifestPuts(registry.Requests, "best-tools/pandoc"));
            // The image carries the OCI labels from the given revision and time, and the inputs label the report names.
            var labels = StagedRelease.LabelsOf(registry, repository, amd64Staged.Digest);
            Assert.Equal((StagedRelease.Revision, "2023-11-14T22:13:20Z", "1.2.3"),
                (labels["org.opencontainers.image.revision"], labels["org.opencontainers.image.created"], labels["org.opencontainers.image.version"]));
            Assert.Equal(amd64Staged.InputsDigest, labels[InputsDigest.Label]);

            var (arm64, arm64Run) = StagedRelease.Stage(registry, arm64Runner, StagedRelease.ReleaseStage("linux/arm64"));
            runs.Add(("stage linux/arm64", arm64Run));
            var arm64Staged = Assert.Single(StagedRelease.StagedOf(arm64));
            Assert.Equal("linux/arm64", arm64Staged.Platform);
            Assert.NotEqual(amd64Staged.Digest, arm64Staged.Digest);
            Assert.Empty(registry.TagsOf(repository));

            var before = registry.Requests.Count;
            var (assembled, assembleRun) = StagedRelease.Assemble(registry, [amd64, arm64], StagedRelease.ReleaseAssemble());
            runs.Add(("assemble", assembleRun));
            output.WriteLine(assembled);
            output.WriteLine(Module.Printed(assembleRun.Session));

            // One index of both staged digests under the version tag, and the floating tags on the same index.
            var index = registry.DigestOf($"{repository}:v1.2.3");
            Assert.NotNull(index);
            Assert.Equal([("linux/amd64", amd64Staged.Digest), ("linux/arm64", arm64Staged.Digest)],
                StagedRelease.IndexOf(registry, $"{repository}:v1.2.3").OrderBy(m => m.Platform, StringComparer.Ordinal));
            Assert.Equal(["latest", "v1", "v1.2", "v1.2.3"], registry.TagsOf(repository));
            Assert.All(registry.TagsOf(repository), t => Assert.Equal(index, registry.DigestOf($"{repository}:{t}")));
            // The version tag is written first, the floating tags only after it.
            var puts = StagedRelease.ManifestPuts(registry.Requests.Skip(before), "best-tools/pandoc");
            Assert.Equal("v1.2.3", puts[0]);
            Assert.Equal(["latest", "v1", "v1.2"], puts.Skip(1).Order(StringComparer.Ordinal));
            Assert.Equal((index, "pushed"), PublishedOf(assembled));

            // The module gave imagetool each report as a file of its own, exactly as stage returned it; assemble built nothing.
            var exec = Assert.Single(assembleRun.Session.Execs, e => e.Args.Contains("/imagetool/imagetool.dll"));
            Assert.Equal(["--staged", "/staged/0.json", "--staged", "/staged/1.json"],
                exec.Args.Select((a, i) => (a, i)).Where(p => p.a == "--staged").SelectMany(p => new[] { p.a, exec.Args[p.i + 1] }));
            Assert.Equal((amd64, arm64), (exec.Container.Files["/staged/0.json"].Contents, exec.Container.Files["/staged/1.json"].Contents));
            Assert.DoesNotContain("--engine", exec.Args);
            Assert.DoesNotContain("--force", exec.Args);
            Assert.Empty(assembleRun.Session.Builds);
            Assert.Empty(assembleRun.Session.Exports);

            // The same three calls again.
            var tags = registry.TagsOf(repository).ToDictionary(t => t, t => registry.DigestOf($"{repository}:{t}"));
            before = registry.Requests.Count;
            var (amd64Again, amd64AgainRun) = StagedRelease.Stage(registry, amd64Runner, StagedRelease.ReleaseStage("linux/amd64"));
            runs.Add(("stage linux/amd64 again", amd64AgainRun));
            var (arm64Again, arm64AgainRun) = StagedRelease.Stage(registry, arm64Runner, StagedRelease.ReleaseStage("linux/arm64"));
            runs.Add(("stage linux/arm64 again", arm64AgainRun));
            var (assembledAgain, assembleAgainRun) = StagedRelease.Assemble(registry, [amd64Again, arm64Again], StagedRelease.ReleaseAssemble());
            runs.Add(("assemble again", assembleAgainRun));
            var printed = Module.Printed(assembleAgainRun.Session);
            output.WriteLine(printed);

            Assert.Equal([amd64Staged.Digest], StagedRelease.StagedOf(amd64Again).Select(s => s.Digest));
            Assert.Equal([arm64Staged.Digest], StagedRelease.StagedOf(arm64Again).Select(s => s.Digest));
            // Every call ran imagetool again (stage and assemble are always fresh), and the registry already had it all.
            Assert.All(runs.Skip(3), r => Assert.Equal(1, r.Run.Session.NestedRuns));
            var again = registry.Requests.Skip(before).ToList();
            Assert.DoesNotContain(again, r => r.StartsWith("POST ", StringComparison.Ordinal));
            Assert.DoesNotContain("v1.2.3", StagedRelease.ManifestPuts(again, "best-tools/pandoc"));
            Assert.Contains($"{repository}:v1.2.3 already holds this content ({index}); nothing to do", printed, StringComparison.Ordinal);
            Assert.DoesNotContain("other content", printed, StringComparison.Ordinal);
            Assert.Equal(tags, registry.TagsOf(repository).ToDictionary(t => t, t => registry.DigestOf($"{repository}:{t}")));
            Assert.Equal((index, "unchanged"), PublishedOf(assembledAgain));

            StagedRelease.AssertTokenNowhere(runs.Select(r => r.Run), registry,
                [amd64, arm64, assembled, amd64Again, arm64Again, assembledAgain, .. runs.Select(r => Module.Printed(r.Run.Session))]);

            // Every request of the module and of the adapter it drove, the export and the File arguments included, is valid.
            var requests = StagedRelease.RequestsOf([.. runs]);
            Assert.Contains(requests, r => r.Item2.Query.Contains("asTarball", StringComparison.Ordinal));
            Assert.Contains(requests, r => r.Item2.Query.Contains("withFile", StringComparison.Ordinal));
            await Contract.ValidateAsync(requests, output);
        }
        finally
        {
            foreach (var (_, run) in runs) run.Dispose();
        }
    }

    /// <summary>The version tag's entry in an assemble run report: its digest and status.</summary>
    private static (string? Digest, string? Status) PublishedOf(string report)
    {
        using var json = JsonDocument.Parse(report);
        var published = Assert.Single(json.RootElement.GetProperty("published").EnumerateArray());
        return (published.GetProperty("digest").GetString(), published.GetProperty("status").GetString());
    }
}

/// <summary>What assemble refuses, and the arguments of stage and assemble the release above does not give.</summary>
public sealed class ModuleStageArgumentTests(ITestOutputHelper output)
{
    /// <summary>
    /// Branch images made by two runners: one runner's report alone is refused before anything is written (with --force
    /// and --no-floating-tags given, which change nothing about that); with both reports, one index under the branch tag.
    /// </summary>
    [Fact]
    public async Task Assemble_given_only_one_platform_report_is_refused_and_tags_nothing_and_stage_and_assemble_pass_branch_tag_no_floating_tags_and_force()
    {
        using var registry = new StandInRegistryServer("bot", Scenario.Token);
        var repository = $"{registry.Host}/best-tools/pandoc";
        var (amd64, amd64Run) = StagedRelease.Stage(registry, new SimulatedEngineCache(), StagedRelease.BranchStage("linux/amd64"));
        using var amd64Disposal = amd64Run;
        var before = registry.Requests.Count;

        var (refused, error, refusedRun) = StagedRelease.Call(registry, new SimulatedEngineCache(), "assemble", StagedRelease.BranchAssemble(), [amd64]);
        using var refusedDisposal = refusedRun;
        output.WriteLine(error);
        Assert.Null(refused);
        Assert.Contains("cannot assemble the release, nothing was tagged", error, StringComparison.Ordinal);
        Assert.Contains("pandoc linux/arm64: nothing staged (stage it with: imagetool stage --platform linux/arm64)", error, StringComparison.Ordinal);
        Assert.Empty(registry.TagsOf(repository));
        Assert.Empty(StagedRelease.ManifestPuts(registry.Requests.Skip(before), "best-tools/pandoc"));

        var (arm64, arm64Run) = StagedRelease.Stage(registry, new SimulatedEngineCache(), StagedRelease.BranchStage("linux/arm64"));
        using var arm64Disposal = arm64Run;
        var (assembled, assembleRun) = StagedRelease.Assemble(registry, [amd64, arm64], StagedRelease.BranchAssemble());
        using var assembleDisposal = assembleRun;
        output.WriteLine(assembled);

        var staged = StagedRelease.StagedOf(amd64).Concat(StagedRelease.StagedOf(arm64)).ToList();
        Assert.All(staged, s => Assert.Equal(StagedRelease.BranchTag, StagedRelease.LabelsOf(registry, repository, s.Digest)["org.opencontainers.image.version"]));
        Assert.Equal([StagedRelease.BranchTag], registry.TagsOf(repository));
        Assert.Equal(staged.Select(s => (s.Platform, s.Digest)).Order(), StagedRelease.IndexOf(registry, $"{repository}:{StagedRelease.BranchTag}").Order());
        foreach (var run in new[] { refusedRun, assembleRun })
        {
            var exec = Assert.Single(run.Session.Execs, e => e.Args.Contains("/imagetool/imagetool.dll"));
            Assert.Contains("--force", exec.Args);
            Assert.Contains("--no-floating-tags", exec.Args);
            Assert.Equal(StagedRelease.BranchTag, exec.Args[exec.Args.ToList().IndexOf("--branch-tag") + 1]);
        }

        StagedRelease.AssertTokenNowhere([amd64Run, refusedRun, arm64Run, assembleRun], registry, amd64, error, arm64, assembled, Module.Printed(refusedRun.Session));
        await Contract.ValidateAsync(
            StagedRelease.RequestsOf(("stage linux/amd64", amd64Run), ("refused assemble", refusedRun), ("stage linux/arm64", arm64Run), ("assemble", assembleRun)), output);
    }
}
