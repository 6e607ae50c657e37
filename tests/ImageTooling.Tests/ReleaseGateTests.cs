using ImageTooling.Cli;

namespace ImageTooling.Tests;

public class ReleaseGateTests
{
    [Theory]
    [InlineData("main\nrelease/1.3", GateState.Passed, "default branch main")]
    [InlineData("release/1.3", GateState.Passed, "release/1.3 (a backport)")]
    [InlineData("HEAD\nrelease/1.x/hotfix", GateState.Passed, "release/1.x/hotfix")]
    [InlineData("feature/x", GateState.Failed, "on feature/x")]
    [InlineData("release/", GateState.Failed, "release/** branch")]
    [InlineData("releases/1.3", GateState.Failed, "on releases/1.3")]
    [InlineData("", GateState.Failed, "on no branch")]
    public void A_release_comes_from_the_default_branch_or_a_release_branch(string branches, GateState state, string message)
    {
        var verdict = ReleaseGate.Branch(branches.Split('\n'), "main");
        Assert.Equal(state, verdict.State);
        Assert.Contains(message, verdict.Message);
    }

    [Fact]
    public void The_gate_waits_for_a_running_ci_run_and_passes_on_any_success()
    {
        Assert.Equal(GateState.Waiting, ReleaseGate.Ci([]).State);
        Assert.Equal(GateState.Waiting, ReleaseGate.Ci([new(7, "in_progress", "")]).State);
        Assert.Equal(GateState.Waiting, ReleaseGate.Ci([new(7, "queued", null), new(6, "completed", "cancelled")]).State);
        Assert.Equal(GateState.Passed, ReleaseGate.Ci([new(7, "in_progress", ""), new(6, "completed", "success")]).State);
        var failed = ReleaseGate.Ci([new(6, "completed", "failure"), new(5, "completed", "cancelled")]);
        Assert.Equal(GateState.Failed, failed.State);
        Assert.Equal("failed: the ci workflow did not pass on this commit (run 6 failure, run 5 cancelled): re-run it, then re-run this release", failed.ToString());
    }

    [Fact]
    public void A_release_queues_behind_earlier_unfinished_release_runs_only()
    {
        IReadOnlyList<WorkflowRun> runs = [new(30, "in_progress", ""), new(20, "waiting", ""), new(10, "completed", "success"), new(40, "queued", "")];
        var verdict = ReleaseGate.Queue(runs, 30);
        Assert.Equal(GateState.Waiting, verdict.State);
        Assert.Equal("waiting: earlier release runs still going: 20", verdict.ToString());
        Assert.Equal(GateState.Passed, ReleaseGate.Queue(runs, 15).State);
    }

    [Fact]
    public void Runs_are_read_from_gh_run_list_json()
    {
        var runs = WorkflowRun.ParseList("""[{"conclusion":"","databaseId":123,"status":"in_progress"},{"conclusion":"success","databaseId":99,"status":"completed"}]""");
        Assert.Equal([new WorkflowRun(123, "in_progress", ""), new WorkflowRun(99, "completed", "success")], runs);
        Assert.Throws<InputError>(() => WorkflowRun.ParseList("{"));
    }
}
