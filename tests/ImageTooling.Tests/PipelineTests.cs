using ImageTooling.Catalog;
using ImageTooling.Cli;
using ImageTooling.Reporting;
using ImageTooling.Scheduling;

namespace ImageTooling.Tests;

/// <summary>The pipeline's rules on a stand-in engine and registry (Fakes.cs), planned from the fixture catalog.</summary>
public class PipelineTests
{
    private static readonly RegistryCredentials Credentials = new("bot", new Secret("s3cr3t-value"));

    private static BuildPlan Plan(string tag = "v1.2.3", params string[] images) =>
        BuildPlan.Create(Repo.Fixture(), new PlanOptions { Release = ReleaseTag.Parse(tag), Images = images });

    private static Pipeline NewPipeline(FakeEngine engine, StringWriter? log = null) =>
        new(engine, log ?? new StringWriter(), jobs: 2) { RetryDelay = TimeSpan.FromMilliseconds(1) };

    private static List<string> Events(FakeEngine engine, string kind) =>
        engine.Events.Where(e => e.StartsWith(kind + " ", StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task Derived_images_are_built_on_the_base_built_in_the_same_run_for_the_same_platform()
    {
        var engine = new FakeEngine();
        await NewPipeline(engine).BuildAsync(Plan(), smokeTest: false, CancellationToken.None);
        var builds = Events(engine, "build");
        Assert.Equal(6, builds.Count);
        Assert.Single(builds, b => b.StartsWith("build base linux/amd64 ", StringComparison.Ordinal));
        Assert.Single(builds, b => b.StartsWith("build base linux/arm64 ", StringComparison.Ordinal));
        Assert.Contains("build derived linux/arm64 on fake/base:arm64", builds);
        Assert.Contains("build derived linux/amd64 on fake/base:amd64", builds);
        Assert.True(builds.IndexOf(builds.Single(b => b.StartsWith("build base linux/arm64", StringComparison.Ordinal)))
            < builds.IndexOf("build derived linux/arm64 on fake/base:arm64"));
    }

    [Fact]
    public async Task Builds_run_concurrently_up_to_the_job_limit()
    {
        var engine = new FakeEngine();
        await NewPipeline(engine).BuildAsync(Plan(), smokeTest: false, CancellationToken.None);
        Assert.Equal(2, engine.MaxConcurrentBuilds);
    }

    [Fact]
    public async Task A_node_taken_from_the_registry_cache_is_marked_so_on_the_board_and_in_the_report_and_never_becomes_an_expected_build_time()
    {
        var engine = new FakeEngine { FromCache = node => node.Image.Name == "base" };
        var plan = Plan();
        var outcome = await NewPipeline(engine).BuildAsync(plan, smokeTest: false, CancellationToken.None);

        Assert.All(outcome.Board.Statuses, s => Assert.Equal(s.Node.Image.Name == "base", s.FromCache));
        var report = RunReport.From("build", engine.Name, new ReleaseOutcome(outcome, [], [], null), plan.Publish);
        Assert.All(report.Nodes, n => Assert.Equal(n.Image == "base", n.FromCache));
        // As long as any build (DurationHistory.MinimumBuildSeconds), a pull from the cache is still no build time.
        var slow = outcome.Board.Statuses.Select(s => s with { BuildSeconds = 60 }).ToList();
        Assert.Equal(plan.Nodes.Where(n => n.Image.Name != "base").Select(n => n.Id).Order(StringComparer.Ordinal),
            DurationHistory.Empty("test machine").With(slow).Nodes.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_smoke_tests_of_one_node_run_side_by_side_and_each_reports_its_own_seconds()
    {
        var running = 0;
        var most = 0;
        var gate = new object();
        // A test waits (up to a bound that only a serial executor reaches) until another runs beside it, so a busy machine
        // that starts the second one late cannot make the two look serial.
        using var overlapped = new ManualResetEventSlim();
        var engine = new FakeEngine
        {
            Answer = (test, _) =>
            {
                lock (gate)
                {
                    most = Math.Max(most, ++running);
                    if (running >= 2) overlapped.Set();
                }
                overlapped.Wait(TimeSpan.FromSeconds(30));
                Thread.Sleep(150);
                lock (gate) running--;
                return new CommandResult(0, test.Expect);
            },
        };
        var plan = BuildPlan.Create(Repo.Fixture(), new PlanOptions { Images = ["base"], Platforms = ["linux/amd64"] });
        var outcome = await NewPipeline(engine).BuildAsync(plan, smokeTest: true, CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Failure);
        Assert.Equal(2, most); // the node's tests shared both slots
        var node = Assert.Single(outcome.Board.Statuses);
        Assert.Equal(plan.Nodes[0].SmokeTests.Select(t => t.Name), node.Smoke.Select(t => t.Name)); // catalog order, whatever finished first
        Assert.All(node.Smoke, t => Assert.True(t.Seconds >= 0.1, $"'{t.Name}' took {t.Seconds} s"));
        Assert.Equal(node.Smoke.Sum(t => t.Seconds!.Value), node.SmokeSeconds!.Value, precision: 6);
    }

    [Fact]
    public async Task Every_smoke_test_runs_for_every_node()
    {
        var engine = new FakeEngine();
        var plan = Plan();
        await NewPipeline(engine).BuildAsync(plan, smokeTest: true, CancellationToken.None);
        Assert.Equal(plan.Nodes.Sum(n => n.SmokeTests.Count), Events(engine, "test").Count);
    }

    [Fact]
    public async Task A_failed_smoke_test_stops_the_release_before_anything_is_pushed()
    {
        var engine = new FakeEngine
        {
            Answer = (test, image) => test.Name == "alpha architecture" && image.Node.Platform.Architecture == "arm64"
                ? new CommandResult(0, "x86_64\n")
                : new CommandResult(0, test.Expect),
        };
        var failure = await NewPipeline(engine).PublishAsync(Plan(), engine.PushesTo(new FakeRegistry()), Credentials, force: false, CancellationToken.None).Failure();
        Assert.Contains("base linux/arm64: smoke tests failed: 'alpha architecture'", failure);
        Assert.Contains("got 'x86_64'", failure);
        Assert.Contains("nothing was published", failure);
        Assert.Empty(Events(engine, "publish"));
    }

    [Fact]
    public async Task A_failed_base_build_skips_its_derived_images_on_that_platform_only()
    {
        var engine = new FakeEngine { BuildFails = node => node.Id == "base linux/arm64" };
        var failure = await NewPipeline(engine).BuildAsync(Plan(), smokeTest: true, CancellationToken.None).Failure();
        Assert.Contains("2 of 6 images failed; nothing was published", failure);
        Assert.Contains("base linux/arm64: build of base linux/arm64 broke", failure);
        Assert.Contains("derived linux/arm64: not built: its base failed", failure);
        Assert.Contains(Events(engine, "build"), b => b.StartsWith("build derived linux/amd64 ", StringComparison.Ordinal));
        Assert.Contains(Events(engine, "build"), b => b.StartsWith("build other linux/arm64 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Derived_images_build_while_their_base_is_still_being_smoke_tested()
    {
        var baseTested = new TaskCompletionSource();
        var engine = new FakeEngine
        {
            Answer = (test, image) =>
            {
                if (image.Node.Image.Name == "base" && test.Name == "platform")
                    Assert.True(baseTested.Task.Wait(TimeSpan.FromSeconds(10)), "the derived build never started while the base was in its smoke tests");
                return new CommandResult(0, test.Expect);
            },
        };
        // Enough slots for every node, so that only the dependency rule decides what may start.
        var run = new Pipeline(engine, new StringWriter(), jobs: 8).BuildAsync(Plan("v1.0.0", "derived"), smokeTest: true, CancellationToken.None);
        while (!engine.Events.Any(e => e.StartsWith("build derived", StringComparison.Ordinal)) && !run.IsCompleted) await Task.Delay(5);
        baseTested.SetResult();
        await run;
    }

    [Fact]
    public async Task A_non_zero_exit_fails_a_smoke_test_even_with_the_expected_output()
    {
        var engine = new FakeEngine { Answer = (test, _) => new CommandResult(test.Name == "alpha version" ? 1 : 0, test.Expect) };
        var failure = await NewPipeline(engine).BuildAsync(Plan("v1.0.0", "base"), true, CancellationToken.None).Failure();
        Assert.Contains("'alpha version' (exit 1", failure);
    }

    [Fact]
    public async Task Version_tags_of_every_image_land_before_any_floating_tag()
    {
        var engine = new FakeEngine();
        var registry = new FakeRegistry();
        var published = await NewPipeline(engine).PublishAsync(Plan(), engine.PushesTo(registry), Credentials, force: false, CancellationToken.None).Published();
        var pushes = Events(engine, "publish");
        Assert.Equal(3, pushes.Count);
        Assert.All(pushes, p => Assert.Contains(":v1.2.3 ", p));
        Assert.All(pushes, p => Assert.EndsWith("[linux/amd64,linux/arm64]", p));
        // Floating tags are registry-side copies of each image's version-tag digest, after every version tag landed.
        var moves = registry.Moves.ToList();
        Assert.Equal(9, moves.Count);
        foreach (var version in published.Where(p => p.Tag == "v1.2.3"))
            foreach (var tag in new[] { "v1.2", "v1", "latest" })
                Assert.Contains($"{version.Repository}:{tag} -> {version.Digest}", moves);
        Assert.Equal(12, published.Count);
        Assert.Equal(Enumerable.Repeat("v1.2.3", 3), published.Take(3).Select(p => p.Tag));
    }

    [Fact]
    public async Task A_pre_release_never_moves_latest()
    {
        var engine = new FakeEngine();
        var registry = new FakeRegistry();
        var published = await NewPipeline(engine).PublishAsync(Plan("v2.0.0-rc.1"), engine.PushesTo(registry), Credentials, force: false, CancellationToken.None).Published();
        Assert.Equal(3, Events(engine, "publish").Count);
        Assert.Empty(registry.Moves);
        Assert.All(published.Where(p => p.Floating is not null), p => Assert.Contains("pre-release", p.Floating!.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_backport_moves_only_its_minor_line_and_the_report_says_why_the_others_stay()
    {
        var registry = new FakeRegistry();
        var newer = "sha256:" + new string('4', 64);
        foreach (var tag in new[] { "v1.4.0", "v1.4", "v1", "latest", "v1.3.4", "v1.3", "v2.0.0-rc.1" })
            registry.Tags[$"registry.example/fixture/other:{tag}"] = FakeRegistry.IndexOf("other", tag.StartsWith("v1.3", StringComparison.Ordinal) ? "sha256:old" : newer);
        var engine = new FakeEngine();
        var published = await NewPipeline(engine).PublishAsync(Plan("v1.3.5", "other"), engine.PushesTo(registry), Credentials, force: false, CancellationToken.None).Published();

        var version = published.Single(p => p.Tag == "v1.3.5");
        Assert.Equal([$"registry.example/fixture/other:v1.3 -> {version.Digest}"], registry.Moves);
        Assert.Equal(newer, registry.Tags["registry.example/fixture/other:latest"].Digest);
        Assert.Equal(newer, registry.Tags["registry.example/fixture/other:v1"].Digest);
        var report = Reports.Published(published);
        Assert.Contains("| `registry.example/fixture/other` | `latest` | — | stays: v1.4.0 is newer in the repository |", report);
        Assert.Contains("| `registry.example/fixture/other` | `v1` | — | stays: v1.4.0 is newer in v1 |", report);
        Assert.Contains($"| `registry.example/fixture/other` | `v1.3` | `{version.Digest}` | moved: v1.3.5 is the highest stable release in v1.3 |", report);
    }

    [Fact]
    public async Task An_interrupted_publish_says_in_one_line_what_landed_and_moves_no_floating_tag()
    {
        using var interrupt = new CancellationTokenSource();
        // SIGINT/SIGTERM arrives while the second image's version tag is being pushed.
        var engine = new FakeEngine { AfterPublish = reference => { if (reference.EndsWith("/derived:v1.2.3", StringComparison.Ordinal)) interrupt.Cancel(); } };
        var registry = new FakeRegistry();
        var failure = await NewPipeline(engine).PublishAsync(Plan(), engine.PushesTo(registry), Credentials, false, interrupt.Token).Failure();
        Assert.DoesNotContain('\n', failure);
        Assert.StartsWith("interrupted: 2 of 3 version tags landed (registry.example/fixture/base:v1.2.3, registry.example/fixture/derived:v1.2.3), not pushed: ", failure);
        Assert.Contains("no floating tag moved; run the same command again", failure);
        Assert.Empty(registry.Moves);
        Assert.Equal(2, Events(engine, "publish").Count);
    }

    [Fact]
    public async Task Wrong_credentials_fail_before_anything_is_built()
    {
        var engine = new FakeEngine();
        await Assert.ThrowsAsync<InputError>(() => NewPipeline(engine).PublishAsync(Plan(), engine.PushesTo(new FakeRegistry { RefuseCredentials = true }), Credentials, false, CancellationToken.None));
        Assert.Empty(engine.Events);
    }

    [Fact]
    public async Task An_existing_release_tag_with_other_content_is_refused_and_nothing_is_pushed()
    {
        var engine = new FakeEngine();
        var registry = new FakeRegistry();
        registry.Tags["registry.example/fixture/other:v1.2.3"] = new RemoteIndex("sha256:other", [new(Platform.LinuxAmd64, "sha256:a", "sha256:something-else")]);
        var failure = await NewPipeline(engine).PublishAsync(Plan(), engine.PushesTo(registry), Credentials, force: false, CancellationToken.None).Failure();
        Assert.Contains("registry.example/fixture/other:v1.2.3 already exists with other content", failure);
        Assert.Contains("--force", failure);
        Assert.Empty(Events(engine, "publish"));
    }

    [Fact]
    public async Task Force_replaces_an_existing_release_tag()
    {
        var engine = new FakeEngine();
        var registry = new FakeRegistry();
        registry.Tags["registry.example/fixture/other:v1.2.3"] = new RemoteIndex("sha256:other", [new(Platform.LinuxAmd64, "sha256:a", "sha256:something-else")]);
        await NewPipeline(engine).PublishAsync(Plan(), engine.PushesTo(registry), Credentials, force: true, CancellationToken.None).Published();
        Assert.Contains(Events(engine, "publish"), p => p.StartsWith("publish registry.example/fixture/other:v1.2.3 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_same_content_under_the_release_tag_is_a_no_op_so_a_rerun_converges()
    {
        var engine = new FakeEngine();
        var registry = new FakeRegistry();
        registry.Tags["registry.example/fixture/base:v1.2.3"] = FakeRegistry.IndexOf("base", "sha256:already");
        var published = await NewPipeline(engine).PublishAsync(Plan(), engine.PushesTo(registry), Credentials, force: false, CancellationToken.None).Published();
        Assert.DoesNotContain(Events(engine, "publish"), p => p.StartsWith("publish registry.example/fixture/base:v1.2.3 ", StringComparison.Ordinal));
        Assert.Contains(published, p => p is { Tag: "v1.2.3", Unchanged: true, Digest: "sha256:already" } && p.Repository.Path.EndsWith("/base", StringComparison.Ordinal));
        Assert.Contains("registry.example/fixture/base:latest -> sha256:already", registry.Moves);
    }

    [Fact]
    public async Task Transient_push_failures_are_retried()
    {
        var engine = new FakeEngine { PublishFails = (reference, attempt) => reference.EndsWith("/other:v1.2.3", StringComparison.Ordinal) && attempt < 3 };
        await NewPipeline(engine).PublishAsync(Plan(), engine.PushesTo(new FakeRegistry()), Credentials, force: false, CancellationToken.None).Published();
        Assert.Equal(3, engine.PublishAttempts["registry.example/fixture/other:v1.2.3"]);
    }

    [Fact]
    public async Task A_push_that_keeps_failing_stops_before_latest_moves()
    {
        var engine = new FakeEngine { PublishFails = (reference, _) => reference.EndsWith("/other:v1.2.3", StringComparison.Ordinal) };
        var registry = new FakeRegistry();
        var failure = await NewPipeline(engine).PublishAsync(Plan(), engine.PushesTo(registry), Credentials, false, CancellationToken.None).Failure();
        Assert.Contains("publishing registry.example/fixture/other:v1.2.3 failed after 4 attempts", failure);
        Assert.Empty(registry.Moves);
    }

    [Fact]
    public async Task A_registry_refusal_after_the_builds_is_a_pipeline_failure_naming_the_tag()
    {
        var engine = new FakeEngine();
        var registry = new FakeRegistry { RefuseReads = true };
        var failure = await NewPipeline(engine).PublishAsync(Plan(), engine.PushesTo(registry), Credentials, false, CancellationToken.None).Failure();
        Assert.Contains("reading registry.example/fixture/base:v1.2.3 before publishing failed (images were built, nothing was pushed)", failure);
        Assert.Contains("refused the credentials of 'bot'", failure);
        Assert.NotEmpty(Events(engine, "build"));
        Assert.Empty(Events(engine, "publish"));
    }

    [Fact]
    public async Task An_engine_refusing_a_push_is_a_pipeline_failure_naming_the_reference_and_is_not_retried()
    {
        var engine = new FakeEngine { PublishRefused = reference => reference.EndsWith("/other:v1.2.3", StringComparison.Ordinal) };
        var failure = await NewPipeline(engine).PublishAsync(Plan(), engine.PushesTo(new FakeRegistry()), Credentials, false, CancellationToken.None).Failure();
        Assert.StartsWith("publishing registry.example/fixture/other:v1.2.3 failed (images were built, 2 version tags were pushed): the engine cannot push", failure);
        Assert.Equal(1, engine.PublishAttempts["registry.example/fixture/other:v1.2.3"]);
        Assert.DoesNotContain(Events(engine, "publish"), p => p.Contains(":latest", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_tests_that_need_the_real_behaviour_of_a_stand_in_tool_are_skipped_and_the_run_counts_them()
    {
        var engine = new FakeEngine();
        var log = new StringWriter();
        var plan = BuildPlan.Create(Repo.Fixture(), new PlanOptions { Images = ["base"], Platforms = ["linux/amd64"], DownloadMirror = "http://127.0.0.1:1", StandInTools = ["alpha"] });
        await NewPipeline(engine, log).BuildAsync(plan, smokeTest: true, CancellationToken.None);
        Assert.DoesNotContain(engine.Events, e => e.Contains("greets the user", StringComparison.Ordinal) || e.Contains("mounted config", StringComparison.Ordinal));
        Assert.Contains("alpha greets the user: skipped (needs the real alpha; this run uses a stand-in for it)", log.ToString());
        Assert.Contains("alpha reads a read-only mounted config: skipped (needs the real alpha;", log.ToString());
        // platform, help and the security check run on the image; alpha's version and architecture checks run on its stand-in.
        Assert.Contains("smoke tests: 3 on real binaries, 2 on stand-ins, 3 skipped", log.ToString());
    }

    [Fact]
    public async Task With_real_downloads_nothing_is_skipped_and_the_mount_reaches_the_engine()
    {
        var engine = new FakeEngine();
        var log = new StringWriter();
        var plan = BuildPlan.Create(Repo.Fixture(), new PlanOptions { Images = ["base"], Platforms = ["linux/amd64"] });
        await NewPipeline(engine, log).BuildAsync(plan, smokeTest: true, CancellationToken.None);
        Assert.Contains("smoke tests: 8 on real binaries, 0 on stand-ins, 0 skipped", log.ToString());
        var mounted = Assert.Single(plan.Nodes).SmokeTests.Where(t => t.Mount is not null).ToList();
        Assert.Equal([true, false], mounted.Select(t => t.Mount!.ReadOnly));
        Assert.All(mounted, t => Assert.Equal("greeting: hello", t.Mount!.Files["settings"]));
        Assert.Contains(engine.Events, e => e == "test base linux/amd64 alpha reads a read-only mounted config");
    }

    [Fact]
    public async Task A_one_platform_push_that_lands_as_a_plain_manifest_becomes_an_index_of_it_and_a_rerun_finds_the_same_content()
    {
        var registry = new FakeRegistry();
        var engine = new FakeEngine { OnePlatformAsPlainManifest = true };
        engine.PushesTo(registry);
        var plan = BuildPlan.Create(Repo.Fixture(), new PlanOptions { Release = ReleaseTag.Parse("v1.2.3"), Images = ["other"], Platforms = ["linux/amd64"], FloatingTags = false });
        var published = Assert.Single(await NewPipeline(engine).PublishAsync(plan, registry, Credentials, false, CancellationToken.None).Published());

        var index = registry.Tags["registry.example/fixture/other:v1.2.3"];
        Assert.False(index.IsPlainManifest);
        Assert.Equal("sha256:index-of-other-amd64-manifest", index.Digest);
        Assert.Equal(index.Digest, published.Digest);
        Assert.Equal([Platform.LinuxAmd64], index.Manifests.Select(m => m.Platform));
        Assert.Contains("index registry.example/fixture/other:v1.2.3 -> sha256:index-of-other-amd64-manifest", registry.Calls);

        var log = new StringWriter();
        var again = Assert.Single(await NewPipeline(engine, log).PublishAsync(plan, registry, Credentials, false, CancellationToken.None).Published());
        Assert.True(again.Unchanged);
        Assert.Contains("already holds this content", log.ToString());
    }

    [Fact]
    public async Task Nothing_to_publish_without_a_tag()
    {
        var plan = BuildPlan.Create(Repo.Fixture(), new PlanOptions());
        await Assert.ThrowsAsync<InputError>(() => NewPipeline(new FakeEngine()).PublishAsync(plan, new FakeRegistry(), Credentials, false, CancellationToken.None));
    }

    [Fact]
    public async Task The_secret_never_reaches_the_log()
    {
        var log = new StringWriter();
        var engine = new FakeEngine();
        await NewPipeline(engine, log).PublishAsync(Plan(), engine.PushesTo(new FakeRegistry()), Credentials, false, CancellationToken.None).Published();
        Assert.DoesNotContain("s3cr3t-value", log.ToString());
        Assert.Equal("***", Credentials.Password.ToString());
        Assert.DoesNotContain("s3cr3t-value", Credentials.ToString());
    }
}
