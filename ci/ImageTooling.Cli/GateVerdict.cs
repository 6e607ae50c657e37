namespace ImageTooling.Cli;

/// <summary>What the release gate does next: go on, wait and ask again, or stop the release. <see cref="Message"/>
/// says why, in words a maintainer can act on.</summary>
internal sealed record GateVerdict(GateState State, string Message)
{
    public override string ToString() => $"{State.ToString().ToLowerInvariant()}: {Message}";
}
