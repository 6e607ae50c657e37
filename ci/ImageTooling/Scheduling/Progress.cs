using System.Diagnostics;
using ImageTooling.Catalog;

namespace ImageTooling.Scheduling;

public enum NodeStage
{
    Waiting,
    Building,
    /// <summary>Built; its smoke tests wait for a slot.</summary>
    Built,
    SmokeTesting,
    Done,
    Failed,
}

/// <summary>Where one node of a run stands, and its timings so far (seconds).</summary>
public sealed record NodeStatus(BuildNode Node, NodeStage Stage)
{
    /// <summary>When the current stage began, for an elapsed time.</summary>
    public DateTimeOffset Since { get; init; } = DateTimeOffset.UtcNow;
    public double? BuildSeconds { get; init; }
    /// <summary>The build was a pull from a cache of earlier builds: its time says nothing about a build.</summary>
    public bool FromCache { get; init; }
    public double? SmokeSeconds { get; init; }
    /// <summary>Time spent ready but without a slot (build and smoke tests together).</summary>
    public double WaitedSeconds { get; init; }
    /// <summary>The smoke tests that ran (or were skipped) so far, in catalog order.</summary>
    public IReadOnlyList<SmokeResult> Smoke { get; init; } = [];
}

/// <summary>Told about a run as it goes; the command line draws it. Calls come from many threads.</summary>
public interface IPipelineObserver
{
    void Started(Schedule schedule);
    void Changed(NodeStatus status);
}

/// <summary>
/// The state of every node of one run, kept as the pipeline moves it on. A node's smoke tests run side by side: the node
/// is smoke-testing from the start of its first test, and done (or failed) when the last one has a result; its smoke
/// seconds are the sum of its tests' own seconds (the work they took, not the wall time between first and last).
/// </summary>
public sealed class RunBoard
{
    private readonly Lock sync = new();
    private readonly Dictionary<BuildNode, NodeStatus> statuses;
    private readonly Dictionary<BuildNode, SmokeResult?[]> results;
    private readonly Dictionary<BuildNode, long> readySince = [];
    private readonly Stopwatch wall = Stopwatch.StartNew();
    private readonly IPipelineObserver? observer;

    public RunBoard(Schedule schedule, IPipelineObserver? observer)
    {
        Schedule = schedule;
        this.observer = observer;
        statuses = schedule.Nodes.ToDictionary(n => n, n => new NodeStatus(n, NodeStage.Waiting));
        results = schedule.Nodes.ToDictionary(n => n, n => new SmokeResult?[schedule.SmokeTests ? n.SmokeTests.Count : 0]);
        observer?.Started(schedule);
    }

    public Schedule Schedule { get; }

    public double WallSeconds => wall.Elapsed.TotalSeconds;

    public IReadOnlyList<NodeStatus> Statuses
    {
        get
        {
            lock (sync) return Schedule.Nodes.Select(n => statuses[n]).ToList();
        }
    }

    /// <summary>The node's next piece of work can start as soon as it has a slot (its wait is counted until its first piece starts).</summary>
    public void Ready(BuildNode node)
    {
        lock (sync) readySince.TryAdd(node, Stopwatch.GetTimestamp());
    }

    public void Move(BuildNode node, NodeStage stage, double? buildSeconds = null, bool fromCache = false) =>
        Update(node, before => before with
        {
            Stage = stage,
            Since = DateTimeOffset.UtcNow,
            BuildSeconds = buildSeconds ?? before.BuildSeconds,
            FromCache = fromCache || before.FromCache,
        });

    /// <summary>One of the node's smoke tests starts: the node is smoke-testing (from its first test on).</summary>
    public void TestStarted(BuildNode node) =>
        Update(node, before => before.Stage == NodeStage.SmokeTesting ? before : before with { Stage = NodeStage.SmokeTesting, Since = DateTimeOffset.UtcNow });

    /// <summary>
    /// A smoke test of the node has its result; with the last one the node is done, or failed when a test failed. A test
    /// that did not run (<paramref name="result"/> null) leaves the node failed.
    /// </summary>
    public void TestFinished(BuildNode node, SmokeTest test, SmokeResult? result)
    {
        var index = IndexOf(node, test);
        Update(node, before =>
        {
            var tests = results[node];
            tests[index] = result;
            var ran = tests.OfType<SmokeResult>().ToList();
            var smoke = before with
            {
                Smoke = ran,
                SmokeSeconds = ran.Sum(r => r.Seconds ?? 0),
                Stage = result is null ? NodeStage.Failed : before.Stage,
            };
            var finished = before.Stage != NodeStage.Failed && result is not null && ran.Count == tests.Length;
            return !finished ? smoke : smoke with
            {
                Stage = ran.Any(r => r.Outcome == SmokeOutcome.Failed) ? NodeStage.Failed : NodeStage.Done,
                Since = DateTimeOffset.UtcNow,
            };
        });
    }

    private int IndexOf(BuildNode node, SmokeTest test)
    {
        for (var i = 0; i < node.SmokeTests.Count; i++)
            if (ReferenceEquals(node.SmokeTests[i], test) || node.SmokeTests[i] == test) return i;
        throw new ArgumentException($"{node.Id} has no smoke test '{test.Name}'", nameof(test));
    }

    private void Update(BuildNode node, Func<NodeStatus, NodeStatus> change)
    {
        NodeStatus status;
        lock (sync)
        {
            var before = statuses[node];
            var after = change(before);
            var started = after.Stage is NodeStage.Building or NodeStage.SmokeTesting && before.Stage != after.Stage;
            var waited = started && readySince.Remove(node, out var since) ? Stopwatch.GetElapsedTime(since).TotalSeconds : 0;
            status = statuses[node] = after with { WaitedSeconds = before.WaitedSeconds + waited };
        }
        observer?.Changed(status);
    }
}
