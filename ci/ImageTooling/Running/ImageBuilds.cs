using System.Collections.Concurrent;
using System.Diagnostics;
using ImageTooling.Catalog;
using ImageTooling.Scheduling;

namespace ImageTooling;

/// <summary>
/// Builds every node of a plan on an engine (a node waits only for its base's build) and, when asked, runs every smoke
/// test in a container of the node it belongs to, each in a slot of its own (<see cref="GraphExecutor"/>). It returns
/// what happened, failures included; it throws only when the engine is not ready to start.
/// </summary>
public sealed class ImageBuilds(IImageEngine engine, RunLog log, int jobs)
{
    /// <summary>Expected times that order the ready work (longest remaining path first); by default the catalog's hints.</summary>
    public Func<BuildNode, ExpectedTime> Expected { get; init; } = ExpectedTime.FromCatalog;
    public IPipelineObserver? Observer { get; init; }

    public async Task<BuildOutcome> RunAsync(BuildPlan plan, bool smokeTest, CancellationToken cancellation)
    {
        await engine.CheckReadyAsync(cancellation);
        log.Say($"{engine.Name}: {plan.Nodes.Count} builds, up to {jobs} at once{(smokeTest ? ", then each smoke test in a slot of its own" : "")}");
        var schedule = Schedule.For(plan.Nodes, Expected, smokeTest, jobs);
        var board = new RunBoard(schedule, Observer);
        // A derived node waits only for its base's build; smoke tests run beside later builds. What failed, and why, is in `failures`.
        var failures = new ConcurrentDictionary<BuildNode, string>();
        var built = new ConcurrentDictionary<BuildNode, BuiltImage>();
        await new GraphExecutor(schedule).RunAsync(
            work => work.Test is { } test
                ? SmokeTestAsync(built[work.Node], test, plan.Options, board, cancellation)
                : BuildNodeAsync(work.Node, work.Node.Base is { } parent ? built[parent] : null, board, smokeTest, built, failures, cancellation),
            ready: work => board.Ready(work.Node),
            notRun: (work, reason) =>
            {
                if (work.Test is { } test) board.TestFinished(work.Node, test, null);
                else board.Move(work.Node, NodeStage.Failed);
                failures.TryAdd(work.Node, reason);
            },
            cancellation);
        foreach (var status in board.Statuses.Where(s => s.Smoke.Any(t => t.Outcome == SmokeOutcome.Failed)))
            failures.TryAdd(status.Node, "smoke tests failed: " + string.Join("; ", status.Smoke.Where(t => t.Outcome == SmokeOutcome.Failed).Select(t =>
                $"'{t.Name}' (exit {t.ExitCode}, expected output containing '{status.Node.SmokeTests.First(x => x.Name == t.Name).Expect}', got '{t.FirstLine}')")));
        if (smokeTest && failures.IsEmpty) log.Say($"smoke tests: {SmokeCounts.Of(board.Statuses.SelectMany(s => s.Smoke))}");
        return new BuildOutcome(board, built.ToDictionary(), failures.ToDictionary());
    }

    private static string Reason(Exception e) => e is OperationCanceledException ? "cancelled" : e.Message;

    /// <summary>Builds one node on its base's image; whether it was built (a failure is recorded in <paramref name="failures"/>).</summary>
    private async Task<bool> BuildNodeAsync(
        BuildNode node, BuiltImage? baseImage, RunBoard board, bool smokeTest, ConcurrentDictionary<BuildNode, BuiltImage> built,
        ConcurrentDictionary<BuildNode, string> failures, CancellationToken cancellation)
    {
        try
        {
            log.Say($"[build] {node.Id} ...");
            board.Move(node, NodeStage.Building);
            var clock = Stopwatch.StartNew();
            built[node] = await engine.BuildAsync(node, baseImage, cancellation);
            log.Say($"[build] {node.Id} done in {clock.Elapsed.TotalSeconds:0.0}s{(built[node].FromCache ? " (from the registry cache)" : "")}");
            var untested = !smokeTest || node.SmokeTests.Count == 0;
            board.Move(node, untested ? NodeStage.Done : NodeStage.Built, buildSeconds: clock.Elapsed.TotalSeconds, fromCache: built[node].FromCache);
            return true;
        }
        catch (Exception e)
        {
            board.Move(node, NodeStage.Failed);
            failures[node] = Reason(e);
            return false;
        }
    }

    /// <summary>Runs one smoke test of a built node in a container of it; whether it passed (its result goes on the board).</summary>
    private async Task<bool> SmokeTestAsync(BuiltImage image, SmokeTest test, PlanOptions options, RunBoard board, CancellationToken cancellation)
    {
        var node = image.Node;
        var onStandIn = test.Tool is { } tool && options.StandInTools.Contains(tool);
        if (onStandIn && test.NeedsRealTool)
        {
            log.Say($"[test]  {node.Id} {test.Name}: skipped (needs the real {test.Tool}; this run uses a stand-in for it)");
            board.TestFinished(node, test, new SmokeResult(test.Name, SmokeOutcome.Skipped, null, "", test.Tool, onStandIn));
            return true;
        }
        board.TestStarted(node);
        var clock = Stopwatch.StartNew();
        SmokeResult result;
        try
        {
            var run = await engine.RunAsync(image, test, cancellation);
            var passed = run.ExitCode == 0 && run.Output.Contains(test.Expect, StringComparison.Ordinal);
            result = new SmokeResult(test.Name, passed ? SmokeOutcome.Passed : SmokeOutcome.Failed, run.ExitCode, FirstLine(run.Output), test.Tool, onStandIn,
                Math.Round(clock.Elapsed.TotalSeconds, 1));
        }
        catch (Exception e)
        {
            result = new SmokeResult(test.Name, SmokeOutcome.Failed, null, Reason(e), test.Tool, onStandIn, Math.Round(clock.Elapsed.TotalSeconds, 1));
        }
        log.Say($"[test]  {node.Id} {test.Name}: {(result.Outcome == SmokeOutcome.Passed ? "ok" : "FAILED")} ({result.FirstLine}) in {result.Seconds:0.0}s");
        board.TestFinished(node, test, result);
        return result.Outcome == SmokeOutcome.Passed;
    }

    private static string FirstLine(string output)
    {
        var line = output.Trim().Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
        return line.Length > 120 ? line[..120] + "..." : line;
    }
}
