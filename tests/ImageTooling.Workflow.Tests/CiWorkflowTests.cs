using System.Text.RegularExpressions;

namespace ImageTooling.Workflow.Tests;

public partial class CiWorkflowTests
{
    private static readonly WorkflowFile Ci = WorkflowFile.Load("ci.yml");

    [GeneratedRegex(@"(?<![\w-])latest(?![\w-])")]
    private static partial Regex Latest();

    [Fact]
    public void The_test_command_runs_in_a_privileged_debian_12_container_as_it_expects()
    {
        // tests/run.sh provisions a Debian 12 machine as root (Debian's archive and keyring for mmdebstrap,
        // binfmt, podman): on ubuntu-latest itself it would not provision, so the job runs in that container.
        var job = Ci.Job("test");
        Assert.Equal("ubuntu-latest", job.Node.Scalar("runs-on"));
        var container = job.Node.Map("container");
        Assert.NotNull(container);
        Assert.Matches(@"^(docker\.io/(library/)?)?debian:(12|bookworm)\b", container.Scalar("image"));
        Assert.Contains("--privileged", container.Scalar("options"), StringComparison.Ordinal);
        var run = job.Steps.Single(s => (s.Run ?? "").Contains("bash tests/run.sh", StringComparison.Ordinal));
        Assert.DoesNotContain("sudo", run.Run, StringComparison.Ordinal); // root in the container already
        var install = job.Steps.First(s => s.Run is not null);
        Assert.True(install.Index < job.StepUsing("actions/checkout").Index, "git and certificates come before checkout and .NET");
        foreach (var package in new[] { "git", "curl", "ca-certificates" })
            Assert.Contains(package, install.Run, StringComparison.Ordinal);
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
        Assert.Contains(Ci.Job("list").Steps, s => (s.Run ?? "").Contains("./imagetool list --json", StringComparison.Ordinal));
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
            Assert.Contains("./imagetool branch-tag \"$BRANCH\" \"$SHA\"", producer.Run, StringComparison.Ordinal);
            // The branch's head commit names the image, labels it and is what gets built.
            const string head = "${{github.event.pull_request.head.sha||github.sha}}";
            Assert.Equal(head, call.Value("revision"));
            Assert.Equal(head, producer.Env["SHA"].Replace(" ", "", StringComparison.Ordinal));
            Assert.Equal(head, job.StepUsing("actions/checkout").With["ref"].Replace(" ", "", StringComparison.Ordinal));
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
        Assert.Equal("branch-images", job.Node.Scalar("environment"));
    }

    [Fact]
    public void A_pull_request_that_publishes_branch_images_is_never_cancelled_mid_push()
    {
        var cancel = Ci.Root.Map("concurrency").Scalar("cancel-in-progress") ?? "";
        Assert.Contains("!contains(github.event.pull_request.labels.*.name, 'publish-branch-image')", cancel, StringComparison.Ordinal);
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
