namespace ImageTooling;

public enum SmokeOutcome
{
    Passed,
    Failed,
    /// <summary>Not run: it needs the real upstream tool and this run uses stand-in downloads.</summary>
    Skipped,
}

/// <summary>What one smoke test of one node did: its outcome, exit code and the first line it printed.</summary>
public sealed record SmokeResult(string Name, SmokeOutcome Outcome, int? ExitCode, string FirstLine);
