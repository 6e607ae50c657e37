using System.Collections.Concurrent;
using System.Diagnostics;
using ImageTooling.Catalog;
using ImageTooling.Scheduling;

namespace ImageTooling.Tests;

/// <summary>The scheduling policy on plans built here, and the pipeline carrying it out on an engine whose build times the test sets.</summary>
public class SchedulingTests
{
    private static readonly Platform Amd64 = Platform.LinuxAmd64;

    /// <summary>An image for linux/amd64 only, with its expected build seconds as the catalog hint.</summary>
    private static ImageDefinition Image(string name, double seconds, string? baseImage = null) =>
        new(name, name, name, baseImage is null ? new PinnedBaseImage("debian") : new ParentImage(baseImage), [Amd64], [], [], new SourceSpot("test", 1, 1))
        {
            ExpectedBuildSeconds = new Dictionary<Platform, double> { [Amd64] = seconds },
        };

    private static BuildPlan Plan(params ImageDefinition[] images) => BuildPlan.Create(
        new ImageCatalog("/nowhere", "registry.test/ns", "https://example.test/src", "MIT",
            new Dictionary<string, string> { ["debian"] = "registry.test/debian:1@sha256:" + new string('0', 64) },
            new Dictionary<string, Tool>(), images),
        new PlanOptions());

    /// <summary>Two quick images listed first, then a short base whose dependant is the longest build of all.</summary>
    private static BuildPlan QuickFirstPlan() =>
        Plan(Image("quick-1", 4), Image("quick-2", 4), Image("root", 1), Image("long", 8, baseImage: "root"));

    private static BuildNode Node(BuildPlan plan, string image) => plan.Nodes.Single(n => n.Image.Name == image);

    [Fact]
    public void The_remaining_path_of_a_node_is_its_build_plus_its_longest_dependant()
    {
        var plan = QuickFirstPlan();
        var schedule = Schedule.For(plan.Nodes, ExpectedTime.FromCatalog, smokeTests: false, slots: 2);
        Assert.Equal(9, schedule.Remaining(Node(plan, "root")));
        Assert.Equal(4, schedule.Remaining(Node(plan, "quick-1")));
        Assert.Equal(["root", "long"], schedule.CriticalPath.Select(n => n.Image.Name));
        Assert.Equal(9, schedule.CriticalPathSeconds);
        Assert.Equal(17, schedule.WorkSeconds);
        Assert.Equal(9, schedule.LowerBoundSeconds); // the critical path beats work ÷ slots = 8.5
        Assert.Equal(17, Schedule.For(plan.Nodes, ExpectedTime.FromCatalog, smokeTests: false, slots: 1).LowerBoundSeconds);
    }

    [Fact]
    public void Smoke_tests_count_in_the_path_when_they_take_slots()
    {
        var plan = Plan(Image("root", 2), Image("child", 3, baseImage: "root"));
        ExpectedTime Times(BuildNode n) => new(n.Image.ExpectedBuildSeconds[Amd64], n.Image.Name == "root" ? 10 : 1);

        var tested = Schedule.For(plan.Nodes, Times, smokeTests: true, slots: 2);
        // Every node here has two smoke tests (its platform and the security check), side by side on the 2 slots: root's
        // 10 s of them take 5 s, which outlast the child's 3 s build and its 1 s of tests (0.5 s side by side).
        Assert.Equal(2, Node(plan, "root").SmokeTests.Count);
        Assert.Equal(7, tested.Remaining(Node(plan, "root")));
        Assert.Equal(["root"], tested.CriticalPath.Select(n => n.Image.Name));
        Assert.Equal(16, tested.WorkSeconds);

        var untested = Schedule.For(plan.Nodes, Times, smokeTests: false, slots: 2);
        Assert.Equal(5, untested.Remaining(Node(plan, "root")));
        Assert.Equal(["root", "child"], untested.CriticalPath.Select(n => n.Image.Name));
        Assert.Equal(5, untested.WorkSeconds);
    }

    [Fact]
    public void With_no_expected_times_every_path_is_equal_and_plan_order_decides()
    {
        var plan = QuickFirstPlan();
        var schedule = Schedule.For(plan.Nodes, _ => ExpectedTime.Unknown, smokeTests: true, slots: 2);
        Assert.All(plan.Nodes, n => Assert.Equal(0, schedule.Remaining(n)));
        Assert.Equal(0, schedule.LowerBoundSeconds);
    }

    [Fact]
    public async Task The_longest_chain_starts_first_where_plan_order_would_start_the_short_builds()
    {
        // Builds end when the test says so, so the order is the scheduler's, not the machine's speed
        // (how much time it saves is measured by bench/run.sh, not asserted here).
        var plan = QuickFirstPlan();

        var byPath = new StandInEngine();
        var run = new Pipeline(byPath, new StringWriter(), jobs: 2).BuildAsync(plan, smokeTest: false, CancellationToken.None);
        Assert.Equal(["quick-1", "root"], (await byPath.StartedAsync(2)).Order());
        byPath.Finish("root");
        Assert.Equal("long", (await byPath.StartedAsync(3))[2]); // root's slot goes to the long chain, not to quick-2
        byPath.Finish("quick-1");
        Assert.Equal("quick-2", (await byPath.StartedAsync(4))[3]);
        byPath.Finish("long", "quick-2");
        await run;

        var inPlanOrder = new StandInEngine();
        run = new Pipeline(inPlanOrder, new StringWriter(), jobs: 2) { Expected = _ => ExpectedTime.Unknown }
            .BuildAsync(plan, smokeTest: false, CancellationToken.None);
        Assert.Equal(["quick-1", "quick-2"], (await inPlanOrder.StartedAsync(2)).Order());
        inPlanOrder.Finish("quick-1");
        Assert.Equal("root", (await inPlanOrder.StartedAsync(3))[2]); // the long chain waits behind the short builds
        inPlanOrder.Finish("root", "quick-2", "long");
        await run;
    }

    [Fact]
    public async Task A_derived_build_ready_when_its_base_finishes_takes_that_slot_before_a_shorter_waiting_build()
    {
        // One slot: root runs alone; when it finishes, long (8) and quick-1 (4) are both ready.
        var plan = QuickFirstPlan();
        var engine = new StandInEngine(_ => TimeSpan.FromMilliseconds(5));
        await new Pipeline(engine, new StringWriter(), jobs: 1).BuildAsync(plan, smokeTest: false, CancellationToken.None);
        Assert.Equal(["root", "long", "quick-1", "quick-2"], engine.Started);
    }

    [Fact]
    public async Task The_observer_sees_every_node_through_its_stages_and_the_board_keeps_the_timings()
    {
        var plan = QuickFirstPlan();
        var observer = new RecordingObserver();
        var pipeline = new Pipeline(new StandInEngine(_ => TimeSpan.FromMilliseconds(5)), new StringWriter(), jobs: 2) { Observer = observer };
        var board = (await pipeline.BuildAsync(plan, smokeTest: true, CancellationToken.None)).Board;

        Assert.Equal(9, observer.Schedule!.CriticalPathSeconds);
        foreach (var node in plan.Nodes)
            Assert.Equal([NodeStage.Building, NodeStage.Built, NodeStage.SmokeTesting, NodeStage.Done], observer.StagesOf(node));
        Assert.All(board.Statuses, s =>
        {
            Assert.Equal(NodeStage.Done, s.Stage);
            Assert.True(s.BuildSeconds > 0, $"{s.Node.Id}: no build time recorded");
            Assert.NotNull(s.SmokeSeconds);
        });
        var summary = ScheduleReports.Run(board);
        Assert.All(plan.Nodes, n => Assert.Contains(n.Id, summary));
        Assert.Contains("lower bound", summary);
    }

    [Fact]
    public async Task A_failed_build_is_failed_on_the_board_and_so_is_its_dependant()
    {
        var plan = QuickFirstPlan();
        var pipeline = new Pipeline(new StandInEngine(_ => TimeSpan.FromMilliseconds(1), fails: "root"), new StringWriter(), jobs: 2);
        var outcome = await pipeline.BuildAsync(plan, smokeTest: true, CancellationToken.None);
        Assert.False(outcome.Succeeded);
        var stages = outcome.Board.Statuses.ToDictionary(s => s.Node.Image.Name, s => s.Stage);
        Assert.Equal(NodeStage.Failed, stages["root"]);
        Assert.Equal(NodeStage.Failed, stages["long"]);
        Assert.Equal(NodeStage.Done, stages["quick-1"]);
    }

    [Fact]
    public void The_history_replaces_the_nodes_a_run_built_keeps_the_others_and_survives_a_round_trip()
    {
        var plan = QuickFirstPlan();
        var before = new DurationHistory(Machine, new Dictionary<string, ExpectedTime>
        {
            [Node(plan, "quick-1").Id] = new(40, 7),
            [Node(plan, "quick-2").Id] = new(41, 8),
        });
        var run = new[]
        {
            new NodeStatus(Node(plan, "quick-1"), NodeStage.Built) { BuildSeconds = 3.04 }, // smoke tests did not run
            new NodeStatus(Node(plan, "root"), NodeStage.Done) { BuildSeconds = 1.26, SmokeSeconds = 0.5 },
            new NodeStatus(Node(plan, "long"), NodeStage.Failed),
        };
        var path = Path.Combine(Directory.CreateTempSubdirectory("imagetool-durations-").FullName, "logs", DurationHistory.FileName);
        before.With(run).Save(path);
        var after = DurationHistory.Load(path, Machine);

        static (double, double) Times(ExpectedTime t) => (t.BuildSeconds, t.SmokeSeconds);
        Assert.Equal((3.0, 7), Times(after.For(Node(plan, "quick-1"))));
        Assert.Equal((41, 8), Times(after.For(Node(plan, "quick-2"))));
        Assert.Equal((1.3, 0.5), Times(after.For(Node(plan, "root"))));
        Assert.Equal((8, 0), Times(after.For(Node(plan, "long")))); // never built: the catalog's hint
        Assert.Equal(Node(plan, "root").Labels[InputsDigest.Label], after.For(Node(plan, "root")).Inputs);
    }

    [Fact]
    public void A_cached_rebuild_of_the_same_inputs_keeps_the_cold_time_and_changed_inputs_replace_it()
    {
        var plan = QuickFirstPlan();
        var root = Node(plan, "root");
        var cold = DurationHistory.Empty(Machine).With([new NodeStatus(root, NodeStage.Done) { BuildSeconds = 600, SmokeSeconds = 30 }]);

        var warm = cold.With([new NodeStatus(root, NodeStage.Done) { BuildSeconds = 4, SmokeSeconds = 31 }]);
        Assert.Equal((600, 31), (warm.For(root).BuildSeconds, warm.For(root).SmokeSeconds));

        var changed = root with { Labels = new Dictionary<string, string>(root.Labels) { [InputsDigest.Label] = "sha256:other" } };
        var rebuilt = warm.With([new NodeStatus(changed, NodeStage.Done) { BuildSeconds = 250, SmokeSeconds = 30 }]);
        Assert.Equal(250, rebuilt.For(changed).BuildSeconds);
    }

    [Fact]
    public void A_missing_or_broken_history_is_empty()
    {
        var dir = Directory.CreateTempSubdirectory("imagetool-durations-").FullName;
        Assert.Empty(DurationHistory.Load(Path.Combine(dir, "none.json"), Machine).Nodes);
        File.WriteAllText(Path.Combine(dir, "broken.json"), "{ not json");
        Assert.Empty(DurationHistory.Load(Path.Combine(dir, "broken.json"), Machine).Nodes);
    }

    private const string Machine = "local engine on test-host, 2 cores";

    [Fact]
    public void A_run_that_built_nothing_in_under_a_second_records_nothing()
    {
        var plan = QuickFirstPlan();
        var history = DurationHistory.Empty(Machine);
        var instant = plan.Nodes.Select(n => new NodeStatus(n, NodeStage.Done) { BuildSeconds = 0.02, SmokeSeconds = 0 }).ToList();
        Assert.Same(history, history.With(instant));

        var cold = history.With([new NodeStatus(Node(plan, "root"), NodeStage.Done) { BuildSeconds = 600, SmokeSeconds = 30 }]);
        var changed = Node(plan, "root") with { Labels = new Dictionary<string, string>(Node(plan, "root").Labels) { [InputsDigest.Label] = "sha256:other" } };
        Assert.Equal(600, cold.With([new NodeStatus(changed, NodeStage.Done) { BuildSeconds = 0.3, SmokeSeconds = 0 }]).For(changed).BuildSeconds);
    }

    /// <summary>A fresh runner that pulled every node from the registry cache: minutes of pulls, none of them a build.</summary>
    [Fact]
    public void Images_pulled_from_the_registry_cache_record_no_expected_time()
    {
        var plan = QuickFirstPlan();
        var root = Node(plan, "root");
        var history = DurationHistory.Empty(Machine);
        var pulled = plan.Nodes.Select(n => new NodeStatus(n, NodeStage.Done) { BuildSeconds = 40, SmokeSeconds = 0, FromCache = true }).ToList();
        Assert.Same(history, history.With(pulled));

        var cold = history.With([new NodeStatus(root, NodeStage.Done) { BuildSeconds = 600, SmokeSeconds = 30 }]);
        var changed = root with { Labels = new Dictionary<string, string>(root.Labels) { [InputsDigest.Label] = "sha256:other" } };
        var next = cold.With([new NodeStatus(changed, NodeStage.Done) { BuildSeconds = 40, SmokeSeconds = 0, FromCache = true }]);
        Assert.Equal(600, next.For(changed).BuildSeconds);
    }

    [Fact]
    public void Durations_recorded_by_another_engine_or_machine_are_not_this_run_s_expectations()
    {
        var plan = QuickFirstPlan();
        var path = Path.Combine(Directory.CreateTempSubdirectory("imagetool-durations-").FullName, DurationHistory.FileName);
        DurationHistory.Empty("dagger engine on elsewhere, 64 cores").With([new NodeStatus(Node(plan, "root"), NodeStage.Done) { BuildSeconds = 5, SmokeSeconds = 1 }]).Save(path);
        Assert.Empty(DurationHistory.Load(path, Machine).Nodes);
        Assert.Single(DurationHistory.Load(path, "dagger engine on elsewhere, 64 cores").Nodes);
    }

    private static string CatalogWithHint(string hint) => $$"""
        registry: registry.test/ns
        source: https://example.test/src
        license: MIT
        base-images:
          debian: registry.test/debian:1@sha256:{{new string('0', 64)}}
        security-check:
          run: echo pending-security-updates=none
          expect: pending-security-updates=none
          network: true
        tools: {}
        images:
          a:
            description: test
            from: debian
            platforms: [linux/amd64, linux/arm64]
            tools: []
            {{hint}}
        """;

    private static string ImagesDirectory()
    {
        var dir = Directory.CreateTempSubdirectory("imagetool-hint-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "a"));
        File.WriteAllText(Path.Combine(dir, "a", "Dockerfile"), "FROM scratch\n");
        return dir;
    }

    [Fact]
    public void The_catalog_reads_expected_build_seconds_per_platform()
    {
        var image = CatalogLoader.Parse("catalog.yaml", CatalogWithHint("expected-build-seconds: {linux/amd64: 60, linux/arm64: 600.5}"), ImagesDirectory()).Images[0];
        Assert.Equal(60, image.ExpectedBuildSeconds[Amd64]);
        Assert.Equal(600.5, image.ExpectedBuildSeconds[Platform.LinuxArm64]);
        Assert.Empty(CatalogLoader.Parse("catalog.yaml", CatalogWithHint(""), ImagesDirectory()).Images[0].ExpectedBuildSeconds);
    }

    [Theory]
    [InlineData("expected-build-seconds: {linux/amd64: -5}", "must be a positive number, got '-5'")]
    [InlineData("expected-build-seconds: {linux/amd64: soon}", "must be a positive number, got 'soon'")]
    [InlineData("expected-build-seconds: {linux/riscv64: 5}", "unknown key 'linux/riscv64'")]
    public void The_catalog_refuses_a_bad_expected_build_time(string hint, string message)
    {
        var error = Assert.Throws<InputError>(() => CatalogLoader.Parse("catalog.yaml", CatalogWithHint(hint), ImagesDirectory()));
        Assert.Contains(message, error.Message);
        Assert.StartsWith("catalog.yaml:17:", error.Message);
    }


    /// <summary>
    /// A stand-in engine that records the order builds start in. A build takes <c>buildTime</c>; without it, a
    /// build ends when the test calls <see cref="Finish"/>, so the order is the scheduler's, not the machine's.
    /// </summary>
    private sealed class StandInEngine(Func<BuildNode, TimeSpan>? buildTime = null, string? fails = null) : IImageEngine
    {
        private readonly ConcurrentQueue<string> started = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> gates = new();
        public IReadOnlyList<string> Started => [.. started];
        public string Name => "stand-in engine";
        public Task CheckReadyAsync(CancellationToken cancellation) => Task.CompletedTask;
        public Task CheckCredentialsAsync(RegistryCredentials credentials, CancellationToken cancellation) => Task.CompletedTask;

        private TaskCompletionSource Gate(string image) => gates.GetOrAdd(image, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

        public void Finish(params string[] images)
        {
            foreach (var image in images) Gate(image).TrySetResult();
        }

        /// <summary>The images started so far, once at least <paramref name="count"/> have started (fails after 10 s).</summary>
        public async Task<IReadOnlyList<string>> StartedAsync(int count)
        {
            var clock = Stopwatch.StartNew();
            while (started.Count < count)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"only {started.Count} builds started: {string.Join(", ", started)}");
                await Task.Delay(10);
            }
            await Task.Delay(50); // a build started by mistake beside the awaited one would show here
            return Started;
        }

        public async Task<BuiltImage> BuildAsync(BuildNode node, BuiltImage? baseImage, CancellationToken cancellation)
        {
            started.Enqueue(node.Image.Name);
            await (buildTime is null ? Gate(node.Image.Name).Task.WaitAsync(cancellation) : Task.Delay(buildTime(node), cancellation));
            if (node.Image.Name == fails) throw new PipelineFailure($"build of {node.Id} broke");
            return new BuiltImage(node, node.Image.Name);
        }

        public Task<CommandResult> RunAsync(BuiltImage image, SmokeTest test, CancellationToken cancellation) =>
            Task.FromResult(new CommandResult(0, test.Expect));

        public Task ExportLayoutAsync(BuiltImage variant, string layout, CancellationToken cancellation) =>
            throw new NotSupportedException("this engine stages nothing");

        public Task<string> PublishAsync(ImageReference reference, IReadOnlyList<BuiltImage> variants, RegistryCredentials credentials, CancellationToken cancellation) =>
            throw new NotSupportedException();
    }

    private sealed class RecordingObserver : IPipelineObserver
    {
        private readonly ConcurrentQueue<NodeStatus> changes = new();
        public Schedule? Schedule { get; private set; }
        public void Started(Schedule schedule) => Schedule = schedule;
        public void Changed(NodeStatus status) => changes.Enqueue(status);
        /// <summary>The stages the node went through, in order (a stage is told again with each smoke test's result).</summary>
        public List<NodeStage> StagesOf(BuildNode node)
        {
            var stages = new List<NodeStage>();
            foreach (var stage in changes.Where(c => c.Node == node).Select(c => c.Stage))
                if (stages.Count == 0 || stages[^1] != stage) stages.Add(stage);
            return stages;
        }
    }
}
