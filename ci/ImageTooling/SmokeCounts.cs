namespace ImageTooling;

/// <summary>How many smoke tests of a run ran on real binaries, on stand-ins, or were skipped (a skipped test's tool is a stand-in).</summary>
public sealed record SmokeCounts(int OnRealBinaries, int OnStandIns, int Skipped)
{
    public static SmokeCounts Of(IEnumerable<SmokeResult> results)
    {
        var all = results.ToList();
        var ran = all.Where(r => r.Outcome != SmokeOutcome.Skipped).ToList();
        return new SmokeCounts(ran.Count(r => !r.OnStandIn), ran.Count(r => r.OnStandIn), all.Count - ran.Count);
    }

    public override string ToString() => $"{OnRealBinaries} on real binaries, {OnStandIns} on stand-ins, {Skipped} skipped";
}
