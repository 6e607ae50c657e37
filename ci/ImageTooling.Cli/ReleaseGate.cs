namespace ImageTooling.Cli;

/// <summary>
/// The release gate's rules (release.yml's gate job asks these): a release comes from the default branch or a
/// <c>release/**</c> branch (backports); it waits for the ci workflow's run of the tagged commit, and refuses at once
/// when no such run can come; and it waits for every earlier release run, so near-simultaneous tags queue in the order
/// they were pushed instead of replacing each other in a concurrency group.
/// </summary>
internal static class ReleaseGate
{
    public const string ReleaseBranchPrefix = "release/";

    /// <summary>The events of a ci run that tests exactly the tagged commit: a push of it, or a run started by hand on it.
    /// A pull request's run tests a merge commit, not this one.</summary>
    public static readonly IReadOnlySet<string> CommitEvents = new HashSet<string> { "push", "workflow_dispatch" };

    /// <summary>The branch a tagged commit is released from, given the remote branches that contain it: the default
    /// branch when it does, else a <c>release/**</c> branch.</summary>
    public static GateVerdict Branch(IReadOnlyList<BranchHead> branchesContainingCommit, string defaultBranch)
    {
        var names = branchesContainingCommit.Select(b => b.Name).ToList();
        if (names.Contains(defaultBranch))
            return new GateVerdict(GateState.Passed, $"the commit is on the default branch {defaultBranch}");
        var release = names.FirstOrDefault(IsReleaseBranch);
        if (release is not null)
            return new GateVerdict(GateState.Passed, $"the commit is on the maintenance branch {release} (a backport)");
        var on = names.Count == 0 ? "no branch" : string.Join(", ", names);
        return new GateVerdict(GateState.Failed, $"the commit is on {on}: release only commits of {defaultBranch} or of a {ReleaseBranchPrefix}** branch");
    }

    private static bool IsReleaseBranch(string name) => name.StartsWith(ReleaseBranchPrefix, StringComparison.Ordinal) && name.Length > ReleaseBranchPrefix.Length;

    /// <summary>
    /// The ci workflow's runs of the tagged commit (<see cref="CommitEvents"/> only): one success passes; a run still going
    /// waits; only finished, unsuccessful runs fail. With no run at all: a commit that is no branch's head never gets a
    /// push run (only the head commit of a push does), so the gate refuses at once and says what to tag or start instead;
    /// a branch head's push run may not be listed yet, so the gate waits <paramref name="appearLimit"/> for it.
    /// </summary>
    /// <param name="branches">The main or release branches that contain the commit (the branch rule passed).</param>
    /// <param name="waited">How long the gate has waited so far.</param>
    public static GateVerdict Ci(IReadOnlyList<WorkflowRun> runs, string commit, string tag, IReadOnlyList<BranchHead> branches, TimeSpan waited, TimeSpan appearLimit)
    {
        var ofCommit = runs.Where(r => r.Event is { } e && CommitEvents.Contains(e)).ToList();
        if (ofCommit.FirstOrDefault(r => r.Succeeded) is { } passed)
            return new GateVerdict(GateState.Passed, $"the ci workflow passed on this commit (run {passed.DatabaseId}, {passed.Event})");
        if (ofCommit.FirstOrDefault(r => !r.IsFinished) is { } running)
            return new GateVerdict(GateState.Waiting, $"the ci workflow's run {running.DatabaseId} on this commit is {running.Status}");
        var startOne = $"or start one on the tag (gh workflow run ci.yml --ref {tag}) and re-run this release once it passed";
        if (ofCommit.Count > 0)
        {
            var outcomes = string.Join(", ", ofCommit.Select(r => $"run {r.DatabaseId} {r.Conclusion}"));
            return new GateVerdict(GateState.Failed, $"the ci workflow did not pass on this commit ({outcomes}): re-run it, then re-run this release");
        }
        var shortCommit = Short(commit);
        var heads = branches.Where(b => b.Head == commit).Select(b => b.Name).ToList();
        if (heads.Count == 0)
        {
            var instead = branches.FirstOrDefault(b => !IsReleaseBranch(b.Name)) ?? (branches.Count > 0 ? branches[0] : null);
            var tagInstead = instead is null ? "tag the head of the branch" : $"tag the head of {instead.Name} ({Short(instead.Head)}) instead";
            return new GateVerdict(GateState.Failed,
                $"the ci workflow has no run on {shortCommit} and none will come: only the head commit of a push gets one, and {shortCommit} is no branch's head; {tagInstead}, {startOne}");
        }
        var names = string.Join(", ", heads);
        if (waited < appearLimit)
            return new GateVerdict(GateState.Waiting, $"the ci workflow has no run on {shortCommit} yet ({names} points at it, so its push run should appear)");
        return new GateVerdict(GateState.Failed,
            $"no ci run appeared on {shortCommit} in {appearLimit.TotalMinutes:0.#} minutes, though {names} points at it (pushed with [skip ci]?): push a new commit and tag it, {startOne}");
    }

    /// <summary>Earlier release runs (smaller run ids) that have not finished: this one waits for them.</summary>
    public static GateVerdict Queue(IReadOnlyList<WorkflowRun> releaseRuns, long ownRunId)
    {
        var ahead = releaseRuns.Where(r => r.DatabaseId < ownRunId && !r.IsFinished).Select(r => r.DatabaseId).Order().ToList();
        return ahead.Count == 0
            ? new GateVerdict(GateState.Passed, "no earlier release is running")
            : new GateVerdict(GateState.Waiting, $"earlier release runs still going: {string.Join(", ", ahead)}");
    }

    private static string Short(string commit) => commit.Length > 12 ? commit[..12] : commit;
}
