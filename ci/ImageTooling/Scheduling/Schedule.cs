using ImageTooling.Catalog;

namespace ImageTooling.Scheduling;

/// <summary>How long one node is expected to take: its build, and its smoke tests after it (all of them, and each by name where known).</summary>
public sealed record ExpectedTime(double BuildSeconds, double SmokeSeconds)
{
    public static readonly ExpectedTime Unknown = new(0, 0);

    /// <summary>The node's inputs digest when these times were measured (see <see cref="InputsDigest"/>).</summary>
    public string? Inputs { get; init; }

    /// <summary>Each smoke test's own seconds, by name, where a run measured them.</summary>
    public IReadOnlyDictionary<string, double> Tests { get; init; } = new Dictionary<string, double>();

    /// <summary>The catalog's cold-build hint for the node's platform; smoke tests unknown.</summary>
    public static ExpectedTime FromCatalog(BuildNode node) =>
        node.Image.ExpectedBuildSeconds.TryGetValue(node.Platform, out var seconds) ? new ExpectedTime(seconds, 0) : Unknown;

    /// <summary>What a run measured of a node: its build, and each smoke test that ran.</summary>
    public static ExpectedTime Measured(NodeStatus status) => new(status.BuildSeconds ?? 0, status.SmokeSeconds ?? 0)
    {
        Tests = status.Smoke.Where(t => t.Seconds is not null).ToDictionary(t => t.Name, t => t.Seconds!.Value),
    };

    /// <summary>One test's expected seconds: measured, else an even share of the node's smoke seconds.</summary>
    public double Of(SmokeTest test, int testsOfNode) =>
        Tests.TryGetValue(test.Name, out var seconds) ? seconds : testsOfNode == 0 ? 0 : SmokeSeconds / testsOfNode;
}

/// <summary>
/// The scheduling policy as data. Every build and every smoke test takes a slot of its own: a node's smoke tests run
/// side by side once it is built. For every node, the longest remaining path from the start of its build to the end of
/// the run is its build, then the longer of its own smoke tests (at least its longest test, at least their sum spread
/// over the slots) and the remaining path of its longest dependant. Among ready builds, the one with the longest
/// remaining path starts first; a ready smoke test competes with its own expected seconds, so the longest tests start
/// first. With nothing known (all zero) every path is equal and plan order decides.
/// </summary>
public sealed class Schedule
{
    private readonly Dictionary<BuildNode, ExpectedTime> expected;
    private readonly Dictionary<BuildNode, double> remaining = [];

    private Schedule(IReadOnlyList<BuildNode> nodes, Func<BuildNode, ExpectedTime> expectedTime, bool smokeTests, int slots)
    {
        Nodes = nodes;
        SmokeTests = smokeTests;
        Slots = Math.Max(1, slots);
        expected = nodes.ToDictionary(n => n, n => smokeTests ? expectedTime(n) : expectedTime(n) with { SmokeSeconds = 0, Tests = new Dictionary<string, double>() });
        // Plan order puts every base before its dependants, so walking it backwards sees dependants first.
        foreach (var node in nodes.Reverse())
            remaining[node] = expected[node].BuildSeconds + Math.Max(SmokePath(node), Dependants(node).Select(d => remaining[d]).DefaultIfEmpty(0).Max());

        var path = new List<BuildNode>();
        for (var node = nodes.OrderByDescending(n => remaining[n]).FirstOrDefault(); node is not null;)
        {
            path.Add(node);
            var next = Dependants(node).OrderByDescending(d => remaining[d]).FirstOrDefault();
            node = next is not null && remaining[next] > SmokePath(node) ? next : null;
        }
        CriticalPath = path;
    }

    public static Schedule For(IReadOnlyList<BuildNode> nodes, Func<BuildNode, ExpectedTime> expected, bool smokeTests, int slots) =>
        new(nodes, expected, smokeTests, slots);

    public IReadOnlyList<BuildNode> Nodes { get; }
    public bool SmokeTests { get; }
    public int Slots { get; }

    /// <summary>The chain of builds that bounds the run from below, longest first; empty for an empty plan.</summary>
    public IReadOnlyList<BuildNode> CriticalPath { get; }

    public double CriticalPathSeconds => CriticalPath.Count == 0 ? 0 : remaining[CriticalPath[0]];

    /// <summary>Everything that takes a slot: every build, and every smoke test when they run.</summary>
    public double WorkSeconds => expected.Values.Sum(e => e.BuildSeconds + e.SmokeSeconds);

    /// <summary>No schedule finishes sooner than the work spread evenly over the slots, nor sooner than the critical path.</summary>
    public double LowerBoundSeconds => Math.Max(WorkSeconds / Slots, CriticalPathSeconds);

    public ExpectedTime Expected(BuildNode node) => expected[node];

    /// <summary>One smoke test's expected seconds (the priority of its slot work).</summary>
    public double Expected(BuildNode node, SmokeTest test) => expected[node].Of(test, node.SmokeTests.Count);

    /// <summary>Priority of a node's build: its longest remaining path in seconds.</summary>
    public double Remaining(BuildNode node) => remaining[node];

    /// <summary>The shortest time a node's smoke tests can take side by side: its longest test, or their sum spread over the slots.</summary>
    public double SmokePath(BuildNode node) =>
        !SmokeTests ? 0 : Math.Max(expected[node].SmokeSeconds / Slots, node.SmokeTests.Select(t => Expected(node, t)).DefaultIfEmpty(0).Max());

    public bool IsCritical(BuildNode node) => CriticalPath.Contains(node);

    private IEnumerable<BuildNode> Dependants(BuildNode node) => Nodes.Where(n => n.Base == node);
}
