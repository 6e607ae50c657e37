using System.Text.RegularExpressions;

namespace ImageTooling.Workflow.Tests;

public partial class CiWorkflowTests
{
    private static readonly WorkflowFile Ci = WorkflowFile.Load("ci.yml");

    [GeneratedRegex(@"(?<![\w-])latest(?![\w-])")]
    private static partial Regex Latest();

    [Fact]
    public void The_test_command_runs_on_ubuntu()
    {
        var job = Ci.Job("test");
        Assert.Equal("ubuntu-latest", job.Node.Scalar("runs-on"));
        Assert.Contains(job.Steps, s => (s.Run ?? "").Contains("bash tests/run.sh", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_image_is_built_and_smoke_tested_through_dagger()
    {
        var tests = DaggerCall.In(Ci).Where(c => c.Function == "test").ToList();
        Assert.NotEmpty(tests);
        foreach (var call in tests)
        {
            // Both platforms: the module's default; a --platform here would drop one.
            Assert.False(call.Has("platform"), $"{call}: smoke tests run for every platform");
            Assert.Contains("matrix.image", call.Value("image") ?? "", StringComparison.Ordinal);
        }
        var job = tests[0].Step.Job;
        Assert.Contains("needs.list.outputs.images", job.Node.Map("strategy").Map("matrix").Scalar("image"), StringComparison.Ordinal);
        Assert.Contains(Ci.Job("list").Steps, s => (s.Run ?? "").Contains("images/catalog.yaml", StringComparison.Ordinal));
    }

    [Fact]
    public void Branch_images_never_get_a_release_tag_latest_or_force()
    {
        var publishes = DaggerCall.In(Ci).Where(c => c.Function == "publish-multi-arch").ToList();
        Assert.NotEmpty(publishes);
        foreach (var call in publishes)
        {
            Assert.True(call.Has("branch-tag"), $"{call}: branch images use --branch-tag");
            Assert.False(call.Has("tag"), $"{call}: no release tag from CI");
            Assert.False(call.Has("force"), $"{call}");
            Assert.DoesNotMatch(Latest(), call.Text);

            var job = call.Step.Job;
            foreach (var (path, value) in job.Node.AllScalars())
                Assert.False(Latest().IsMatch(value), $"{job}: {path} mentions latest");

            var tag = call.Value("branch-tag") ?? "";
            var producer = job.Steps.Single(s => s.Id is not null && tag.Contains($"steps.{s.Id}.outputs.", StringComparison.Ordinal));
            Assert.Contains(".github/scripts/branch-tag.sh", producer.Run, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Branch_images_are_published_only_on_request_and_never_for_forks()
    {
        var job = DaggerCall.In(Ci).First(c => c.Function == "publish-multi-arch").Step.Job;
        var condition = job.If ?? "";
        Assert.Contains("github.event.pull_request.head.repo.full_name == github.repository", condition, StringComparison.Ordinal);
        Assert.Contains("contains(github.event.pull_request.labels.*.name, 'publish-branch-image')", condition, StringComparison.Ordinal);
        Assert.Contains("inputs.publish-branch-image", condition, StringComparison.Ordinal);
        Assert.Contains("github.event_name == 'workflow_dispatch'", condition, StringComparison.Ordinal);
        Assert.Contains("test", job.Needs);
        Assert.Contains("images", job.Needs);
    }

    [Fact]
    public void The_branch_name_reaches_shell_only_through_the_environment()
    {
        foreach (var step in WorkflowFile.All().SelectMany(w => w.Steps))
        {
            var run = step.Run ?? "";
            foreach (var untrusted in new[] { "github.head_ref", "github.event.pull_request.title", "github.event.pull_request.body", "github.ref_name", "github.event.head_commit" })
                Assert.False(run.Contains(untrusted, StringComparison.Ordinal), $"{step}: {untrusted} is pasted into a script; pass it through env:");
        }
    }
}
