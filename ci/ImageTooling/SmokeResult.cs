namespace ImageTooling;

public enum SmokeOutcome
{
    Passed,
    Failed,
    /// <summary>Not run: it needs the real behaviour of its tool, and this run uses a stand-in for that tool's download.</summary>
    Skipped,
}

/// <summary>What one smoke test of one node did: its outcome, exit code, the first line it printed and how long it ran.</summary>
/// <param name="Tool">The tool whose binary the test exercises; null for a test of the image as a whole.</param>
/// <param name="OnStandIn">The test ran (or was skipped) on a stand-in for <paramref name="Tool"/>, not on the real binary.</param>
/// <param name="Seconds">How long the test ran; null when it did not run (skipped).</param>
public sealed record SmokeResult(string Name, SmokeOutcome Outcome, int? ExitCode, string FirstLine, string? Tool = null, bool OnStandIn = false, double? Seconds = null);
