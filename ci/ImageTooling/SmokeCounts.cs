namespace ImageTooling;

/// <summary>How many smoke tests of a run ran on real binaries, on stand-ins, or were skipped (safe across concurrent nodes).</summary>
public sealed class SmokeCounts
{
    private int real, standIns, skipped;

    public int OnRealBinaries => Volatile.Read(ref real);
    public int OnStandIns => Volatile.Read(ref standIns);
    public int Skipped => Volatile.Read(ref skipped);

    public void Ran(bool onStandIn) => Interlocked.Increment(ref onStandIn ? ref standIns : ref real);
    public void Skip() => Interlocked.Increment(ref skipped);

    public override string ToString() => $"{OnRealBinaries} on real binaries, {OnStandIns} on stand-ins, {Skipped} skipped";
}
