namespace ImageTooling.Cli;

/// <summary>
/// A run's own measured times (seconds): wall, work summed over the nodes, slots, critical path, and the lower bound
/// (the longer of work ÷ slots and the critical path). The node times were measured while the nodes shared the
/// machine's cores, so the bound is one of this run, not of an idle machine.
/// </summary>
internal sealed record RunTiming(double WallSeconds, double WorkSeconds, int Slots, double CriticalPathSeconds, double LowerBoundSeconds);
