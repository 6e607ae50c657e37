using ImageTooling.Reporting;
using ImageTooling.Catalog;
using ImageTooling.Cli;
using ImageTooling.Scheduling;
using Spectre.Console;

namespace ImageTooling.Tests;

/// <summary>The schedule as the command line shows it: the plan's critical path, the simulation, the live table.</summary>
public class ScheduleCliTests
{
    private static string LogDirectory(string? durations = null)
    {
        var dir = Directory.CreateTempSubdirectory("imagetool-logs-").FullName;
        if (durations is not null) File.WriteAllText(Path.Combine(dir, DurationHistory.FileName), durations);
        return dir;
    }

    [Fact]
    public void The_plan_takes_the_expected_times_of_the_last_run_over_the_catalog_s_hints()
    {
        var logs = LogDirectory($$"""{ "machine": "{{Engines.Machine("auto", Environment.GetEnvironmentVariable)}}", "nodes": { "buildx linux/amd64": { "buildSeconds": 50000, "smokeSeconds": 20 } } }""");
        var result = InProcessImagetool.Run("plan", "--log-dir", logs, "--jobs", "2");
        Assert.Equal(0, result.Exit);
        var section = result.Out[result.Out.IndexOf("Expected critical path", StringComparison.Ordinal)..];
        Assert.Contains("smoke tests included, 2 slots", section);
        Assert.Contains("last run", section);
        // Its 20 s of smoke tests run side by side on the 2 slots: 10 s of the path (no single test is known to take longer).
        Assert.Matches(@"\n  buildx linux/amd64 +build +50000 s\n +smoke +10 s \(its 20 s of smoke tests side by side\)\n  = critical path +50010 s\n", section);
        Assert.Contains("lower bound (the longer of work ÷ slots and the critical path): 50010 s", section);
    }

    [Fact]
    public void A_simulated_run_prints_the_timing_summary_and_writes_neither_durations_nor_a_zero_second_critical_path()
    {
        var logs = LogDirectory();
        var report = Path.Combine(logs, "run-report.json");
        var engine = new SimulatedEngine(ExpectedTime.FromCatalog, speedup: 1_000_000);
        var result = InProcessImagetool.Run(engine, "test", "--log-dir", logs, "--image", "tooling-k8s-aws", "--metadata-file", report);
        Assert.True(result.Exit == 0, result.All);
        Assert.Contains("simulation (1000000x faster than the expected times; nothing is built)", result.Out);
        var summary = result.Out[result.Out.IndexOf("Timing per node", StringComparison.Ordinal)..];
        foreach (var node in new[] { "tooling-k8s linux/amd64", "tooling-k8s linux/arm64", "tooling-k8s-aws linux/amd64", "tooling-k8s-aws linux/arm64" })
            Assert.Matches($@"\n  {node} +done +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+", summary);
        Assert.Contains("lower bound", summary);
        Assert.Equal(4, RunReport.Read(report).Nodes.Count);

        // Builds that took no time describe no real build: nothing is recorded, and the plan keeps the catalog's hints.
        Assert.False(File.Exists(Path.Combine(logs, DurationHistory.FileName)), "a simulation must not become the next run's expected times");
        var plan = InProcessImagetool.Run("plan", "--log-dir", logs, "--image", "tooling-k8s-aws");
        Assert.Contains("expected times: catalog hint", plan.Out);
        Assert.DoesNotMatch(@"= critical path +0 s", plan.Out);
    }

    [Fact]
    public void The_live_table_shows_stage_elapsed_and_expected_times_and_marks_the_critical_path()
    {
        var root = new ImageDefinition("root", "", "root", new PinnedBaseImage("debian"), [Platform.LinuxAmd64], [], [], new SourceSpot("t", 1, 1));
        var plan = BuildPlan.Create(
            new ImageCatalog("/nowhere", "registry.test/ns", "https://example.test", "MIT",
                new Dictionary<string, string> { ["debian"] = "registry.test/debian:1@sha256:" + new string('0', 64) },
                new Dictionary<string, Tool>(),
                [root, root with { Name = "child", Folder = "child", Origin = new ParentImage("root") }, root with { Name = "other", Folder = "other" }]),
            new PlanOptions());
        var schedule = Schedule.For(plan.Nodes, n => new ExpectedTime(n.Image.Name == "other" ? 5 : 100, 7), smokeTests: true, slots: 2);
        var output = new StringWriter();
        // No profile enrichers: under GitHub Actions (GITHUB_ACTIONS=true) Spectre's enricher changes the profile and the
        // table renders differently, which failed this test in ci.yml's job (tests/ci-container/run.sh showed it).
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Enrichment = new ProfileEnrichment { UseDefaultEnrichers = false },
        });
        console.Profile.Width = 160;
        var now = DateTimeOffset.UtcNow;
        var statuses = new Dictionary<BuildNode, NodeStatus>
        {
            [plan.Nodes[0]] = new(plan.Nodes[0], NodeStage.Done) { BuildSeconds = 98, SmokeSeconds = 6, WaitedSeconds = 1 },
            [plan.Nodes[1]] = new(plan.Nodes[1], NodeStage.Building) { Since = now.AddSeconds(-42) },
        };

        console.Write(LiveView.Table(schedule, statuses, TimeSpan.FromSeconds(150), now));
        var lines = output.ToString().Split('\n');
        Assert.Matches(@"root linux/amd64 +│ done +│ +98/100 │ +6/7 │ +1 │ critical path", lines.Single(l => l.Contains("root linux/amd64", StringComparison.Ordinal)));
        Assert.Matches(@"child linux/amd64 +│ building +│ +42/100 │ +7 │ +0 │ critical path", lines.Single(l => l.Contains("child linux/amd64", StringComparison.Ordinal)));
        Assert.Matches(@"other linux/amd64 +│ waiting +│ +5 │ +7 │ +0 │ +│", lines.Single(l => l.Contains("other linux/amd64", StringComparison.Ordinal)));
        // root's build (100 s), then the child's (100 s) and its two smoke tests (7 s, side by side on 2 slots: 3.5 s).
        Assert.Contains("1/3 done · 150 s elapsed · expected lower bound 204 s on 2 slots", output.ToString());
    }
}
