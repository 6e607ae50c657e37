using System.Diagnostics;

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
    /// <summary>The smoke tests that ran (or were skipped), in catalog order.</summary>
    public IReadOnlyList<SmokeResult> Smoke { get; init; } = [];
}

/// <summary>Told about a run as it goes; the command line draws it. Calls come from many threads.</summary>
public interface IPipelineObserver
{
    void Started(Schedule schedule);
    void Changed(NodeStatus status);
}

/// <summary>The state of every node of one run, kept as the pipeline moves it on.</summary>
public sealed class RunBoard
{
    private readonly Lock sync = new();
    private readonly Dictionary<BuildNode, NodeStatus> statuses;
    private readonly Dictionary<BuildNode, long> readySince = [];
    private readonly Stopwatch wall = Stopwatch.StartNew();
    private readonly IPipelineObserver? observer;

    public RunBoard(Schedule schedule, IPipelineObserver? observer)
    {
        Schedule = schedule;
        this.observer = observer;
        statuses = schedule.Nodes.ToDictionary(n => n, n => new NodeStatus(n, NodeStage.Waiting));
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

    /// <summary>The node's next piece of work can start as soon as it has a slot.</summary>
    public void Ready(BuildNode node)
    {
        lock (sync) readySince[node] = Stopwatch.GetTimestamp();
    }

    public void Move(BuildNode node, NodeStage stage, double? buildSeconds = null, double? smokeSeconds = null, IReadOnlyList<SmokeResult>? smoke = null, bool fromCache = false)
    {
        NodeStatus status;
        lock (sync)
        {
            var before = statuses[node];
            var waited = stage is NodeStage.Building or NodeStage.SmokeTesting && readySince.Remove(node, out var since)
                ? Stopwatch.GetElapsedTime(since).TotalSeconds
                : 0;
            status = statuses[node] = before with
            {
                Stage = stage,
                Since = DateTimeOffset.UtcNow,
                BuildSeconds = buildSeconds ?? before.BuildSeconds,
                FromCache = fromCache || before.FromCache,
                SmokeSeconds = smokeSeconds ?? before.SmokeSeconds,
                WaitedSeconds = before.WaitedSeconds + waited,
                Smoke = smoke ?? before.Smoke,
            };
        }
        observer?.Changed(status);
    }
}
