namespace ImageTooling.Reporting;

/// <summary>
/// A run's own measured times (seconds): wall, work summed over the nodes, slots, critical path, and the lower bound
/// (the longer of work ÷ slots and the critical path). The node times were measured while the nodes shared the
/// machine's cores, so the bound is one of this run, not of an idle machine.
/// </summary>
public sealed record RunTiming(double WallSeconds, double WorkSeconds, int Slots, double CriticalPathSeconds, double LowerBoundSeconds)
{
    /// <summary>The nodes of the measured critical path, first to last (<c>IMAGE PLATFORM</c>).</summary>
    public IReadOnlyList<string> CriticalPath { get; init; } = [];

    /// <summary>How much of the slots' time the work filled: work ÷ (wall × slots).</summary>
    public double Busy => WallSeconds <= 0 || Slots <= 0 ? 0 : WorkSeconds / (WallSeconds * Slots);
}
