using System.Text.RegularExpressions;

namespace ImageTooling.Workflow.Tests;

/// <summary>
/// Every platform is built and smoke-tested on a runner of its own architecture (no emulation), and what the
/// platform legs staged is made into the release only by a job that waits for every leg.
/// </summary>
public partial class NativeRunnerTests
{
    /// <summary>The jobs that build: release and branch-images stage one platform per leg, ci tests one image and platform per job.</summary>
    public static TheoryData<string, string, string> BuildingJobs => new()
    {
        { "release.yml", "stage", "stage" },
        { "branch-images.yml", "stage", "stage" },
        { "ci.yml", "images", "test" },
    };

    /// <summary>The jobs that assemble what a stage job's legs pushed by digest.</summary>
    public static TheoryData<string, string, string> AssemblingJobs => new()
    {
        { "release.yml", "stage", "publish" },
        { "branch-images.yml", "stage", "assemble" },
    };

    [GeneratedRegex(@"\s+")]
    private static partial Regex Space();

    private static string Compact(string text) => Space().Replace(text, "");

    [Fact]
    public void The_catalog_s_platforms_are_read_and_each_has_a_native_runner()
    {
        var platforms = NativeRunners.CatalogPlatforms();
        Assert.Contains("linux/amd64", platforms);
        Assert.Contains("linux/arm64", platforms);
        foreach (var platform in platforms)
            Assert.True(NativeRunners.ByArchitecture.ContainsKey(NativeRunners.Architecture(platform)), $"no native GitHub runner is known for {platform}");
    }

    [Theory]
    [MemberData(nameof(BuildingJobs))]
    public void Every_catalog_platform_runs_on_its_native_runner_with_the_dagger_cli_of_that_architecture(string workflow, string jobId, string function)
    {
        var job = WorkflowFile.Load(workflow).Job(jobId);
        var legs = NativeRunners.Legs(job);

        // Exactly the catalog's platforms, each once: a platform missing here would be missing from the release.
        Assert.Equal(NativeRunners.CatalogPlatforms().Order(StringComparer.Ordinal), legs.Select(l => l.GetValueOrDefault("platform") ?? "").Order(StringComparer.Ordinal));
        foreach (var leg in legs)
        {
            var platform = leg["platform"];
            var arch = NativeRunners.Architecture(platform);
            Assert.True(leg.TryGetValue("arch", out var legArch) && legArch == arch, $"{job}: the {platform} leg's arch is '{legArch}', not {arch}");
        }
        AssertNativeRunners(job);

        // The Dagger CLI of the runner's architecture (the install step's URL comes from this step: DaggerTests).
        var download = job.Steps.Single(s => (s.Run ?? "").Contains("./imagetool dagger-download", StringComparison.Ordinal));
        var call = ImagetoolCall.In(download).Single(c => c.Command == "dagger-download");
        Assert.Equal("${{matrix.arch}}", call.Value("arch"));

        // The dagger call builds the leg's platform, and only that one.
        var dagger = DaggerCall.In(job.Workflow).Where(c => c.Step.Job == job).ToList();
        Assert.Equal([function], dagger.Select(c => c.Function));
        Assert.Equal(new string?[] { "${{matrix.platform}}" }, dagger[0].Arguments.Where(a => a.Name == "platform").Select(a => a.Value));
        Assert.True(download.Index < dagger[0].Step.Index);
    }

    /// <summary>Each leg of a platform job runs on the runner variable of its architecture (default: GitHub's hosted
    /// runner of that architecture), so an organisation can point every leg at a runner it has.</summary>
    private static void AssertNativeRunners(Job job)
    {
        foreach (var leg in NativeRunners.Legs(job))
        {
            var platform = leg.GetValueOrDefault("platform") ?? "";
            var native = NativeRunners.ByArchitecture.GetValueOrDefault(NativeRunners.Architecture(platform));
            Assert.True(native is not null, $"{job}: no native runner is known for '{platform}'");
            var runner = leg.GetValueOrDefault("runner") ?? "";
            Assert.True(Compact(runner) == Compact(native.Expression),
                $"{job}: {platform} runs on '{runner}', not on {native.Expression} (the {native.Variable} variable, else its native runner)");
        }
        Assert.Equal("${{matrix.runner}}", Compact(job.Node.Scalar("runs-on") ?? ""));
        Assert.Equal("false", job.Node.Map("strategy").Scalar("fail-fast")); // one leg failing never cancels the other
    }

    [Fact]
    public void Every_platform_leg_of_every_workflow_reads_the_runner_variable_of_its_architecture()
    {
        var jobs = NativeRunners.PlatformJobs();
        // release and branch-images stage, ci's Dagger images and its end-to-end legs, the security check's status.
        Assert.Equal(["branch-images.yml:stage", "ci.yml:end-to-end", "ci.yml:images", "release.yml:stage", "security.yml:status"], jobs.Select(j => j.ToString()).Order(StringComparer.Ordinal));
        foreach (var job in jobs)
            AssertNativeRunners(job);
    }

    [Fact]
    public void A_leg_on_a_fixed_label_or_another_architecture_s_runner_is_refused()
    {
        const string Good = """
            on: push
            jobs:
              a:
                runs-on: ${{ matrix.runner }}
                strategy:
                  fail-fast: false
                  matrix:
                    include:
                      - platform: linux/amd64
                        runner: ${{ vars.LINUX_AMD64_RUNNER || 'ubuntu-24.04' }}
                      - platform: linux/arm64
                        runner: ${{ vars.LINUX_ARM64_RUNNER || 'ubuntu-24.04-arm' }}
                steps:
                  - run: "true"
            """;
        AssertNativeRunners(WorkflowFile.Parse("good.yml", Good).Job("a"));
        foreach (var broken in new[]
        {
            Good.Replace("${{ vars.LINUX_ARM64_RUNNER || 'ubuntu-24.04-arm' }}", "ubuntu-24.04-arm", StringComparison.Ordinal),
            Good.Replace("${{ vars.LINUX_ARM64_RUNNER || 'ubuntu-24.04-arm' }}", "${{ vars.LINUX_AMD64_RUNNER || 'ubuntu-24.04' }}", StringComparison.Ordinal),
            Good.Replace("fail-fast: false", "fail-fast: true", StringComparison.Ordinal),
        })
            Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertNativeRunners(WorkflowFile.Parse("broken.yml", broken).Job("a")));
    }

    [Theory]
    [MemberData(nameof(AssemblingJobs))]
    public void Assembly_waits_for_every_platform_leg_and_takes_one_staged_report_from_each(string workflow, string stageId, string assembleId)
    {
        var file = WorkflowFile.Load(workflow);
        var stage = file.Job(stageId);
        var assemble = file.Job(assembleId);

        // `needs` the whole matrix job: it starts only once every leg passed, and a failed leg skips it.
        Assert.Contains(stageId, assemble.Needs);
        Assert.True(assemble.If is null || !Regex.IsMatch(assemble.If, @"always\(\)|failure\(\)|cancelled\(\)"), $"{assemble}: if: {assemble.If} would run it without every leg");

        // Each leg keeps its run report as an artifact named after its architecture.
        var stageCall = DaggerCall.In(file).Single(c => c.Step.Job == stage && c.Function == "stage");
        Assert.Equal("${{matrix.arch}}", Compact(stageCall.Step.Env["ARCH"]));
        Assert.Contains("> \"$RUNNER_TEMP/stage-report-$ARCH.json\"", stageCall.Step.Run, StringComparison.Ordinal);
        var upload = stage.StepUsing("actions/upload-artifact");
        Assert.True(upload.Index > stageCall.Step.Index);
        Assert.Equal("stage-report-${{matrix.arch}}", Compact(upload.With["name"]));
        Assert.Equal("${{runner.temp}}/stage-report-${{matrix.arch}}.json", Compact(upload.With["path"]));
        Assert.Equal("error", upload.With["if-no-files-found"]);
        Assert.Equal("true", upload.With["overwrite"]); // a re-run leg replaces its own report

        // The assembling job downloads every leg's artifact and passes one --staged per leg, registry-side (no engine).
        var archs = NativeRunners.Legs(stage).Select(l => l["arch"]).Order(StringComparer.Ordinal).ToList();
        var download = assemble.Steps.Single(s => (s.Run ?? "").Contains("gh run download", StringComparison.Ordinal));
        foreach (var arch in archs)
            Assert.Contains($"gh run download \"$GITHUB_RUN_ID\" --repo \"$GITHUB_REPOSITORY\" --name stage-report-{arch} --dir \"$RUNNER_TEMP/staged\"", download.Run, StringComparison.Ordinal);
        Assert.Equal("${{ github.token }}", download.Env["GH_TOKEN"]);
        Assert.Equal("read", assemble.Permissions.Scalar("actions"));

        var call = ImagetoolCall.In(assemble).Single(c => c.Command == "assemble");
        Assert.True(download.Index < call.Step.Index);
        Assert.Equal(archs.Select(a => $"$RUNNER_TEMP/staged/stage-report-{a}.json"), call.Values("staged").Order(StringComparer.Ordinal));
        Assert.Equal(stageCall.Value("revision"), call.Value("revision"));
        Assert.DoesNotContain(DaggerCall.In(file), c => c.Step.Job == assemble);
        Assert.DoesNotContain(assemble.Steps, s => (s.Run ?? "").Contains("dagger-download", StringComparison.Ordinal));
    }

    [Fact]
    public void No_workflow_builds_every_platform_on_one_runner_and_none_emulates()
    {
        // publish-multi-arch builds every platform in one call: on a GitHub runner that is arm64 under emulation.
        foreach (var workflow in WorkflowFile.All())
            Assert.DoesNotContain(DaggerCall.In(workflow), c => c.Function == "publish-multi-arch");
        var steps = WorkflowFile.All().SelectMany(w => w.Steps).ToList();
        Assert.DoesNotContain(steps, s => s.Action == "docker/setup-qemu-action");
        Assert.DoesNotContain(steps, s => Regex.IsMatch(s.Run ?? "", "qemu|binfmt"));
        // The test command emulates every platform but the runner's unless it is told one: each run of it either skips
        // the end-to-end tier or runs it for the platform of its leg, in a job whose legs are native.
        var tests = steps.Where(s => (s.Run ?? "").Contains("tests/run.sh", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(tests);
        foreach (var step in tests)
        {
            var run = step.Run!;
            if (run.Contains("--skip-end-to-end", StringComparison.Ordinal))
                continue;
            Assert.True(run.Contains("--platform \"$PLATFORM\"", StringComparison.Ordinal) && step.Env.GetValueOrDefault("PLATFORM") == "${{ matrix.platform }}",
                $"{step}: the end-to-end tier without --platform of its leg emulates the other platforms");
            Assert.Contains(step.Job.ToString(), NativeRunners.PlatformJobs().Select(j => j.ToString()));
        }
    }

    [Fact]
    public void Legs_of_a_platform_axis_take_the_keys_of_their_include_entry()
    {
        var job = WorkflowFile.Parse("matrix.yml", """
            on: push
            jobs:
              a:
                runs-on: ${{ matrix.runner }}
                strategy:
                  matrix:
                    image: [x, y]
                    platform: [linux/amd64, linux/arm64]
                    include:
                      - platform: linux/arm64
                        arch: arm64
                        runner: ubuntu-24.04-arm
                steps:
                  - run: "true"
            """).Job("a");
        var legs = NativeRunners.Legs(job);
        Assert.Equal(2, legs.Count);
        Assert.False(legs[0].ContainsKey("runner")); // amd64 has no include entry: no native runner
        Assert.Equal("ubuntu-24.04-arm", legs[1]["runner"]);

        var stray = WorkflowFile.Parse("matrix.yml", job.Workflow.Text.Replace("- platform: linux/arm64", "- platform: linux/s390x", StringComparison.Ordinal)).Job("a");
        Assert.Throws<InvalidOperationException>(() => NativeRunners.Legs(stray));
    }
}
