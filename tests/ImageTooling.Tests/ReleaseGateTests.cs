using ImageTooling.Cli;

namespace ImageTooling.Tests;

public class ReleaseGateTests
{
    private const string Commit = "c0ffee0000000000000000000000000000000001";
    private const string LaterCommit = "c0ffee0000000000000000000000000000000002";
    private static readonly TimeSpan Appear = TimeSpan.FromMinutes(10);

    private static IReadOnlyList<BranchHead> Heads(params string[] lines) => BranchHead.ParseLines(lines);

    [Theory]
    [InlineData("main\nrelease/1.3", true, "default branch main")]
    [InlineData("release/1.3", true, "release/1.3 (a backport)")]
    [InlineData("HEAD\nrelease/1.x/hotfix", true, "release/1.x/hotfix")]
    [InlineData("feature/x", false, "on feature/x")]
    [InlineData("release/", false, "release/** branch")]
    [InlineData("releases/1.3", false, "on releases/1.3")]
    [InlineData("", false, "on no branch")]
    public void A_release_comes_from_the_default_branch_or_a_release_branch(string branches, bool passes, string message)
    {
        var lines = branches.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(b => $"{LaterCommit} {b}");
        var verdict = ReleaseGate.Branch(BranchHead.ParseLines(lines), "main");
        Assert.Equal(passes ? GateState.Passed : GateState.Failed, verdict.State);
        Assert.Contains(message, verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Branch_heads_are_read_from_git_for_each_ref_lines()
    {
        var heads = Heads($"{LaterCommit} main", "", $"{LaterCommit} HEAD", $"{Commit} release/1.3", $"{LaterCommit} main");
        Assert.Equal([new BranchHead("main", LaterCommit), new BranchHead("release/1.3", Commit)], heads);
        Assert.Throws<InputError>(() => BranchHead.ParseLines(["main"]));
        Assert.Throws<InputError>(() => BranchHead.ParseLines([$"{Commit} "]));
    }

    private static GateVerdict Ci(IReadOnlyList<WorkflowRun> runs, IReadOnlyList<BranchHead>? branches = null, double waitedMinutes = 0) =>
        ReleaseGate.Ci(runs, Commit, "v1.4.0", branches ?? Heads($"{Commit} main"), TimeSpan.FromMinutes(waitedMinutes), Appear);

    [Fact]
    public void The_gate_passes_on_a_successful_push_or_hand_started_run_of_the_commit()
    {
        var push = Ci([new(7, "in_progress", "", "push"), new(6, "completed", "success", "push")]);
        Assert.Equal(GateState.Passed, push.State);
        Assert.Equal("passed: the ci workflow passed on this commit (run 6, push)", push.ToString());
        Assert.Equal(GateState.Passed, Ci([new(9, "completed", "success", "workflow_dispatch")]).State);
        // A pull request's run tests a merge commit, not the tagged one: it neither passes nor keeps the gate waiting.
        var pullRequest = Ci([new(8, "completed", "success", "pull_request"), new(7, "in_progress", "", "pull_request")], Heads($"{LaterCommit} main"));
        Assert.Equal(GateState.Failed, pullRequest.State);
        Assert.Contains("has no run on c0ffee000000", pullRequest.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_gate_waits_while_a_run_of_the_commit_is_going()
    {
        var verdict = Ci([new(7, "queued", null, "push"), new(6, "completed", "cancelled", "push")]);
        Assert.Equal(GateState.Waiting, verdict.State);
        Assert.Equal("waiting: the ci workflow's run 7 on this commit is queued", verdict.ToString());
        Assert.Equal(GateState.Waiting, Ci([new(7, "in_progress", "", "push")], waitedMinutes: 500).State);
    }

    [Fact]
    public void The_gate_fails_when_every_run_of_the_commit_finished_without_success()
    {
        var failed = Ci([new(6, "completed", "failure", "push"), new(5, "completed", "cancelled", "workflow_dispatch")]);
        Assert.Equal(GateState.Failed, failed.State);
        Assert.Equal("failed: the ci workflow did not pass on this commit (run 6 failure, run 5 cancelled): re-run it, then re-run this release", failed.ToString());
    }

    [Fact]
    public void A_commit_that_is_no_branch_s_head_and_has_no_run_is_refused_at_once_with_what_to_tag_instead()
    {
        // An earlier commit of a multi-commit push, or one merged by rebase: no push run will ever come.
        var verdict = Ci([], Heads($"{LaterCommit} main", $"{LaterCommit} release/1.4"));
        Assert.Equal(GateState.Failed, verdict.State);
        Assert.Equal(
            "the ci workflow has no run on c0ffee000000 and none will come: only the head commit of a push gets one, and c0ffee000000 is no branch's head; "
            + "tag the head of main (c0ffee000000) instead, or start one on the tag (gh workflow run ci.yml --ref v1.4.0) and re-run this release once it passed",
            verdict.Message);
        Assert.DoesNotContain('\n', verdict.Message);
        // On a maintenance branch only: tag that branch's head.
        Assert.Contains("tag the head of release/1.3 (", Ci([], Heads($"{LaterCommit} release/1.3")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_branch_head_without_a_run_waits_for_its_push_run_to_appear_then_is_refused()
    {
        var waiting = Ci([], Heads($"{Commit} main"), waitedMinutes: 9.5);
        Assert.Equal(GateState.Waiting, waiting.State);
        Assert.Contains("main points at it, so its push run should appear", waiting.Message, StringComparison.Ordinal);
        var refused = Ci([], Heads($"{Commit} main"), waitedMinutes: 10);
        Assert.Equal(GateState.Failed, refused.State);
        Assert.StartsWith("no ci run appeared on c0ffee000000 in 10 minutes, though main points at it (pushed with [skip ci]?)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("gh workflow run ci.yml --ref v1.4.0", refused.Message, StringComparison.Ordinal);
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
        var runs = WorkflowRun.ParseList("""[{"conclusion":"","databaseId":123,"status":"in_progress","event":"push"},{"conclusion":"success","databaseId":99,"status":"completed","event":"workflow_dispatch"}]""");
        Assert.Equal([new WorkflowRun(123, "in_progress", "", "push"), new WorkflowRun(99, "completed", "success", "workflow_dispatch")], runs);
        Assert.Throws<InputError>(() => WorkflowRun.ParseList("{"));
        Assert.Equal("databaseId,status,conclusion,event", WorkflowRun.Fields);
    }
}

/// <summary>A clock whose pauses pass at once; each question may take time of its own.</summary>
internal sealed class FakeWaitClock : IWaitClock
{
    public TimeSpan Elapsed { get; set; }

    public List<TimeSpan> Pauses { get; } = [];

    public Task PauseAsync(TimeSpan duration, CancellationToken cancellation)
    {
        Pauses.Add(duration);
        Elapsed += duration;
        return Task.CompletedTask;
    }
}

public class GateWaitTests
{
    private static readonly WaitLimits Limits = new(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(3), "re-run this release once ci passed");

    private static GateVerdict Wait(FakeWaitClock clock, Func<int, TimeSpan, GateVerdict> answer, List<string> lines, TimeSpan? questionTakes = null)
    {
        var asked = 0;
        return GateWait.UntilDecidedAsync(
            (waited, _) =>
            {
                clock.Elapsed += questionTakes ?? TimeSpan.Zero;
                return Task.FromResult(answer(++asked, waited));
            },
            Limits, clock, lines.Add, CancellationToken.None).GetAwaiter().GetResult();
    }

    [Fact]
    public void The_wait_asks_again_after_each_pause_until_the_answer_is_decided()
    {
        var clock = new FakeWaitClock();
        var lines = new List<string>();
        var verdict = Wait(clock, (n, _) => n < 3 ? new GateVerdict(GateState.Waiting, $"run {n} going") : new GateVerdict(GateState.Passed, "ci passed"), lines);
        Assert.Equal(new GateVerdict(GateState.Passed, "ci passed"), verdict);
        Assert.Equal(["waiting: run 1 going", "waiting: run 2 going"], lines);
        Assert.Equal([TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(3)], clock.Pauses);
    }

    [Fact]
    public void A_failed_answer_ends_the_wait_at_once()
    {
        var clock = new FakeWaitClock();
        var verdict = Wait(clock, (_, _) => new GateVerdict(GateState.Failed, "no run will come"), []);
        Assert.Equal(GateState.Failed, verdict.State);
        Assert.Empty(clock.Pauses);
    }

    [Fact]
    public void The_wait_gives_up_at_its_limit_with_a_message_and_never_outlives_it_by_more_than_one_question()
    {
        var clock = new FakeWaitClock();
        var lines = new List<string>();
        var question = TimeSpan.FromSeconds(50);
        var verdict = Wait(clock, (_, _) => new GateVerdict(GateState.Waiting, "run 7 is queued"), lines, question);
        Assert.Equal(new GateVerdict(GateState.Failed, "gave up after 10 minutes: run 7 is queued; re-run this release once ci passed"), verdict);
        Assert.True(clock.Elapsed <= Limits.Limit + question, $"waited {clock.Elapsed}");
        Assert.True(clock.Elapsed >= Limits.Limit);
        Assert.All(lines, l => Assert.Equal("waiting: run 7 is queued", l));
        // The last pause is cut to what is left of the limit.
        Assert.True(clock.Pauses[^1] < Limits.Interval);
    }

    [Fact]
    public async Task The_time_waited_reaches_the_rule_and_a_limit_of_zero_asks_once()
    {
        var clock = new FakeWaitClock();
        var seen = new List<TimeSpan>();
        Wait(clock, (n, waited) =>
        {
            seen.Add(waited);
            return new GateVerdict(n < 2 ? GateState.Waiting : GateState.Passed, "x");
        }, []);
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromMinutes(3)], seen);

        var once = new FakeWaitClock();
        var asked = 0;
        var verdict = await GateWait.UntilDecidedAsync((_, _) => { asked++; return Task.FromResult(new GateVerdict(GateState.Waiting, "going")); },
            Limits with { Limit = TimeSpan.Zero }, once, _ => { }, CancellationToken.None);
        Assert.Equal((1, GateState.Failed), (asked, verdict.State));
        Assert.StartsWith("gave up after 0 minutes: going", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_question_github_cannot_answer_counts_as_waiting()
    {
        var clock = new FakeWaitClock();
        var lines = new List<string>();
        var verdict = await GateWait.UntilDecidedAsync(
            (_, _) => throw new WorkflowRunsUnreadable("gh run list exited 1: HTTP 502"), Limits, clock, lines.Add, CancellationToken.None);
        Assert.Equal(GateState.Failed, verdict.State);
        Assert.Contains("could not read the runs (gh run list exited 1: HTTP 502)", verdict.Message, StringComparison.Ordinal);
        Assert.Equal(5, lines.Count); // asked at 0, 3, 6, 9 and 10 minutes, then it gave up
    }
}

public class ReleaseGateCommandTests
{
    [Fact]
    public void The_branch_gate_exits_0_when_it_passed_and_1_with_an_error_annotation_when_it_failed()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "c0ffee0000000000000000000000000000000001 main\nc0ffee0000000000000000000000000000000001 HEAD\n");
            var passed = InProcessImagetool.Run("release-gate", "branch", "--default-branch", "main", "--branches", file);
            Assert.Equal((0, "passed: the commit is on the default branch main\n"), (passed.Exit, passed.Out));

            File.WriteAllText(file, "c0ffee0000000000000000000000000000000001 feature/x\n");
            var failed = InProcessImagetool.Run("release-gate", "branch", "--default-branch", "main", "--branches", file);
            Assert.Equal((1, "::error::failed: the commit is on feature/x: release only commits of main or of a release/** branch\n"), (failed.Exit, failed.Out));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// The waiting gates ask GitHub with the runner's gh: here a stand-in gh (a script in gh's place) that records its arguments and
    /// answers one run list. The ci gate lists ci.yml's runs of the commit; the queue lists release.yml's runs.
    /// </summary>
    [Fact]
    public void The_waiting_gates_ask_gh_for_the_runs_of_the_right_workflow_and_commit()
    {
        var bin = Directory.CreateTempSubdirectory("release-gate-gh-").FullName;
        try
        {
            var calls = Path.Combine(bin, "calls.txt");
            var answer = Path.Combine(bin, "answer.json");
            File.WriteAllText(Path.Combine(bin, "gh"), $"#!/bin/sh\necho \"$*\" >> '{calls}'\ncat '{answer}'\n");
            File.SetUnixFileMode(Path.Combine(bin, "gh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var branches = Path.Combine(bin, "branches.txt");
            File.WriteAllText(branches, "c0ffee0000000000000000000000000000000001 main\n");
            var gh = new InProcessImagetool.Options { WorkflowRuns = repository => new GhWorkflowRuns(repository) { Program = Path.Combine(bin, "gh") } };

            File.WriteAllText(answer, """[{"databaseId":41,"status":"completed","conclusion":"success","event":"push"}]""");
            var ci = InProcessImagetool.Run(gh, "release-gate", "ci", "--repository", "owner/repo", "--commit", "c0ffee0000000000000000000000000000000001",
                "--tag", "v1.4.0", "--branches", branches, "--wait-minutes", "1");
            Assert.Equal((0, "passed: the ci workflow passed on this commit (run 41, push)\n"), (ci.Exit, ci.Out));

            File.WriteAllText(answer, """[{"databaseId":40,"status":"completed","conclusion":"failure","event":"push"}]""");
            var queue = InProcessImagetool.Run(gh, "release-gate", "queue", "--repository", "owner/repo", "--run-id", "50", "--wait-minutes", "0");
            Assert.Equal((0, "passed: no earlier release is running\n"), (queue.Exit, queue.Out));

            Assert.Equal(
                [
                    "run list --repo owner/repo --workflow ci.yml --limit 100 --json databaseId,status,conclusion,event --commit c0ffee0000000000000000000000000000000001",
                    "run list --repo owner/repo --workflow release.yml --limit 100 --json databaseId,status,conclusion,event",
                ],
                File.ReadAllLines(calls));

            // No run of a commit no branch points at: refused at once, one line, exit 1.
            File.WriteAllText(answer, "[]");
            File.WriteAllText(branches, "c0ffee0000000000000000000000000000000002 main\n");
            var refused = InProcessImagetool.Run(gh, "release-gate", "ci", "--repository", "owner/repo", "--commit", "c0ffee0000000000000000000000000000000001",
                "--tag", "v1.4.0", "--branches", branches, "--wait-minutes", "150");
            Assert.Equal(1, refused.Exit);
            Assert.StartsWith("::error::failed: the ci workflow has no run on c0ffee000000 and none will come", refused.Out, StringComparison.Ordinal);
            Assert.Single(refused.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    [Fact]
    public void The_waiting_gates_take_their_limit_and_refuse_a_negative_one()
    {
        var missing = InProcessImagetool.Run("release-gate", "queue", "--repository", "o/r", "--run-id", "5");
        Assert.Equal(2, missing.Exit);
        Assert.Contains("--wait-minutes", missing.Err, StringComparison.Ordinal);
        var negative = InProcessImagetool.Run("release-gate", "queue", "--repository", "o/r", "--run-id", "5", "--wait-minutes", "-1");
        Assert.Equal(2, negative.Exit);
        Assert.Contains("--wait-minutes must be 0 or more", negative.Err, StringComparison.Ordinal);
    }
}
