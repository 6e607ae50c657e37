using System.CommandLine;

namespace ImageTooling.Cli;

/// <summary>
/// <c>imagetool release-gate branch|ci|queue</c>: each ends with one verdict line, exit 0 when it passed and 1 when it failed
/// (as a GitHub error annotation saying why); the waits print a line per question and end by their limit.
/// </summary>
internal static class ReleaseGateCommand
{
    private static readonly Option<string> DefaultBranch = new("--default-branch") { Description = "The repository's default branch", Required = true };
    private static readonly Option<string> Branches = new("--branches") { Description = "A file of the remote branches that contain the tagged commit, one a line as `git for-each-ref --contains SHA --format='%(objectname) %(refname:lstrip=3)' refs/remotes/origin` prints them", Required = true };
    private static readonly Option<string> GateRepository = new("--repository") { Description = "OWNER/NAME of the repository whose workflow runs to read with gh ($GITHUB_REPOSITORY)", Required = true };
    private static readonly Option<string> Commit = new("--commit") { Description = "The tagged commit ($GITHUB_SHA)", Required = true };
    private static readonly Option<string> GateTag = new("--tag") { Description = "The release tag (named in what to do when no ci run can come)", Required = true };
    private static readonly Option<long> RunId = new("--run-id") { Description = "This release run's id ($GITHUB_RUN_ID)", Required = true };
    private static readonly Option<int> WaitMinutes = new("--wait-minutes") { Description = "How long to wait at most; then the gate fails and says why", Required = true };
    private static readonly Option<int> AppearMinutes = new("--appear-minutes") { Description = "How long a branch head's ci push run may take to be listed", DefaultValueFactory = _ => 10 };

    public static Command Create(CommandContext c)
    {
        var gate = new Command("release-gate", "The release gate: the tag's branch, the ci workflow's run of the commit, earlier releases to queue behind");

        var branch = new Command("branch", "Passes when the tagged commit is on the default branch or a release/** branch") { DefaultBranch, Branches };
        branch.SetAction(r => c.Run(() => Verdict(c.Output,
            ReleaseGate.Branch(BranchHead.ParseLines(File.ReadAllLines(r.GetValue(Branches)!)), r.GetValue(DefaultBranch)!))));

        var ci = new Command("ci", "Waits (bounded) for the ci workflow's run of the commit; passes when one succeeded, fails at once when none can come")
            { GateRepository, Commit, GateTag, Branches, WaitMinutes, AppearMinutes };
        ci.SetAction((r, ct) => c.Run(async () =>
        {
            var runs = c.WorkflowRuns(r.GetValue(GateRepository)!);
            var (commit, tag) = (r.GetValue(Commit)!, r.GetValue(GateTag)!);
            var branches = BranchHead.ParseLines(File.ReadAllLines(r.GetValue(Branches)!));
            var appear = TimeSpan.FromMinutes(r.GetValue(AppearMinutes));
            var limits = new WaitLimits(Minutes(r.GetValue(WaitMinutes)), TimeSpan.FromSeconds(30), "re-run this release once ci passed on the commit");
            return Verdict(c.Output, await GateWait.UntilDecidedAsync(
                async (waited, token) => ReleaseGate.Ci(await runs.ListAsync("ci.yml", commit, token), commit, tag, branches, waited, appear),
                limits, new SystemWaitClock(), c.Output.WriteLine, ct));
        }));

        var queue = new Command("queue", "Waits (bounded) while an earlier release run has not finished") { GateRepository, RunId, WaitMinutes };
        queue.SetAction((r, ct) => c.Run(async () =>
        {
            var runs = c.WorkflowRuns(r.GetValue(GateRepository)!);
            var limits = new WaitLimits(Minutes(r.GetValue(WaitMinutes)), TimeSpan.FromSeconds(60), "re-run this release once the earlier ones finished");
            return Verdict(c.Output, await GateWait.UntilDecidedAsync(
                async (_, token) => ReleaseGate.Queue(await runs.ListAsync("release.yml", null, token), r.GetValue(RunId)),
                limits, new SystemWaitClock(), c.Output.WriteLine, ct));
        }));

        gate.Subcommands.Add(branch);
        gate.Subcommands.Add(ci);
        gate.Subcommands.Add(queue);
        return gate;
    }

    /// <summary>Prints the gate's verdict, a failure as a GitHub error annotation (one line, why and what to do); its exit code.</summary>
    private static int Verdict(TextWriter output, GateVerdict verdict)
    {
        output.WriteLine(verdict.State == GateState.Failed ? $"::error::{verdict}" : verdict.ToString());
        return verdict.State == GateState.Passed ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private static TimeSpan Minutes(int minutes) =>
        minutes >= 0 ? TimeSpan.FromMinutes(minutes) : throw new InputError($"--wait-minutes must be 0 or more, got {minutes}");
}
