namespace ImageTooling.Cli;

/// <summary>
/// The release gate's rules (release.yml's gate job asks these; the workflow only fetches the data and loops):
/// a release comes from the default branch or a <c>release/**</c> branch (backports); it waits for the ci workflow's
/// push run of the tagged commit; and it waits for every earlier release run, so near-simultaneous tags queue in the
/// order they were pushed instead of replacing each other in a concurrency group.
/// </summary>
public static class ReleaseGate
{
    public const string ReleaseBranchPrefix = "release/";

    /// <summary>The branch a tagged commit is released from, given the remote branches that contain it: the default
    /// branch when it does, else a <c>release/**</c> branch.</summary>
    public static GateVerdict Branch(IEnumerable<string> branchesContainingCommit, string defaultBranch)
    {
        var branches = branchesContainingCommit.Select(b => b.Trim()).Where(b => b.Length > 0 && b != "HEAD").Distinct().Order(StringComparer.Ordinal).ToList();
        if (branches.Contains(defaultBranch))
            return new GateVerdict(GateState.Passed, $"the commit is on the default branch {defaultBranch}");
        var release = branches.FirstOrDefault(b => b.StartsWith(ReleaseBranchPrefix, StringComparison.Ordinal) && b.Length > ReleaseBranchPrefix.Length);
        if (release is not null)
            return new GateVerdict(GateState.Passed, $"the commit is on the maintenance branch {release} (a backport)");
        var on = branches.Count == 0 ? "no branch" : string.Join(", ", branches);
        return new GateVerdict(GateState.Failed, $"the commit is on {on}: release only commits of {defaultBranch} or of a {ReleaseBranchPrefix}** branch");
    }

    /// <summary>The ci workflow's push runs of the tagged commit: one success passes; a run still going (or none yet)
    /// waits; only finished, unsuccessful runs fail.</summary>
    public static GateVerdict Ci(IReadOnlyList<WorkflowRun> pushRuns)
    {
        if (pushRuns.FirstOrDefault(r => r.Succeeded) is { } passed)
            return new GateVerdict(GateState.Passed, $"the ci workflow passed on this commit (run {passed.DatabaseId})");
        if (pushRuns.FirstOrDefault(r => !r.IsFinished) is { } running)
            return new GateVerdict(GateState.Waiting, $"the ci workflow's run {running.DatabaseId} on this commit is {running.Status}");
        if (pushRuns.Count == 0)
            return new GateVerdict(GateState.Waiting, "the ci workflow has no push run on this commit yet (push the commit to its branch)");
        var outcomes = string.Join(", ", pushRuns.Select(r => $"run {r.DatabaseId} {r.Conclusion}"));
        return new GateVerdict(GateState.Failed, $"the ci workflow did not pass on this commit ({outcomes}): re-run it, then re-run this release");
    }

    /// <summary>Earlier release runs (smaller run ids) that have not finished: this one waits for them.</summary>
    public static GateVerdict Queue(IReadOnlyList<WorkflowRun> releaseRuns, long ownRunId)
    {
        var ahead = releaseRuns.Where(r => r.DatabaseId < ownRunId && !r.IsFinished).Select(r => r.DatabaseId).Order().ToList();
        return ahead.Count == 0
            ? new GateVerdict(GateState.Passed, "no earlier release is running")
            : new GateVerdict(GateState.Waiting, $"earlier release runs still going: {string.Join(", ", ahead)}");
    }
}
