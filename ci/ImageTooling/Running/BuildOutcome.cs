using ImageTooling.Scheduling;

namespace ImageTooling;

/// <summary>
/// What building (and smoke-testing) a plan did: the board with every node's stage, timings and smoke tests, the images
/// that were built, and why each node that failed failed (a build that broke, a smoke test that did not pass, work that
/// never ran because what it waited for failed or the run was cancelled).
/// </summary>
public sealed record BuildOutcome(RunBoard Board, IReadOnlyDictionary<BuildNode, BuiltImage> Built, IReadOnlyDictionary<BuildNode, string> Failures)
{
    public bool Succeeded => Failures.Count == 0;

    /// <summary>The built images of the plan's nodes, in plan order (all of them when <see cref="Succeeded"/>).</summary>
    public IReadOnlyList<BuiltImage> Images => Board.Schedule.Nodes.Where(Built.ContainsKey).Select(n => Built[n]).ToList();

    /// <summary>One message naming every failed node and why, in plan order; null when every node passed.</summary>
    public string? Failure => Succeeded ? null
        : $"{Failures.Count} of {Board.Schedule.Nodes.Count} images failed; nothing was published:\n"
            + string.Join("\n", Board.Schedule.Nodes.Where(Failures.ContainsKey).Select(n => $"  {n.Id}: {Failures[n]}"));
}
