using System.Text.RegularExpressions;

namespace ImageTooling.Workflow.Tests;

public partial class CiWorkflowTests
{
    private static readonly WorkflowFile Ci = WorkflowFile.Load("ci.yml");
    private static readonly WorkflowFile Branch = WorkflowFile.Load("branch-images.yml");

    [GeneratedRegex(@"(?<![\w-])latest(?![\w-])")]
    private static partial Regex Latest();

    /// <summary>The jobs that run the project's test command: the unit and contract tiers once, the end-to-end tier per platform.</summary>
    public static TheoryData<string> TestCommandJobs => new() { "test", "end-to-end" };

    [Theory]
    [MemberData(nameof(TestCommandJobs))]
    public void The_test_command_runs_in_a_privileged_debian_12_container_as_it_expects(string jobId)
    {
        // tests/run.sh provisions a Debian 12 machine as root (Debian's archive and keyring for mmdebstrap, podman):
        // on an Ubuntu runner itself it would not provision, so each job runs in that container.
        var job = Ci.Job(jobId);
        var container = job.Node.Map("container");
        Assert.NotNull(container);
        Assert.Matches(@"^(docker\.io/(library/)?)?debian:(12|bookworm)@sha256:[0-9a-f]{64}$", container.Scalar("image")); // pinned by digest
        Assert.Contains("--privileged", container.Scalar("options"), StringComparison.Ordinal);
        // Every job of the test command runs in the same container.
        Assert.Equal(Ci.Job("test").Node.Map("container").Scalars(), container.Scalars());
        var run = job.Steps.Single(s => (s.Run ?? "").Contains("bash tests/run.sh", StringComparison.Ordinal));
        Assert.DoesNotContain("sudo", run.Run, StringComparison.Ordinal); // root in the container already
        var install = job.Steps.First(s => s.Run is not null);
        Assert.True(install.Index < job.StepUsing("actions/checkout").Index, "git and certificates come before checkout and .NET");
        foreach (var package in new[] { "git", "curl", "ca-certificates" })
            Assert.Contains(package, install.Run, StringComparison.Ordinal);

        // tests/ci-container/run.sh replays these jobs: it installs the same packages.
        var installed = InstallLine().Match(install.Run!);
        Assert.True(installed.Success, $"{install}: one `apt-get install -y --no-install-recommends ...` line");
        var replay = Repo.Read(Path.Combine("tests", "ci-container", "run.sh"));
        Assert.Contains($"readonly CI_PACKAGES=\"{installed.Groups["packages"].Value.Trim()}\"", replay, StringComparison.Ordinal);

        // Node >= 20 (the lockfiles of tests/workflows and tests/module), before the tests; the replay uses that major.
        var node = job.StepUsing("actions/setup-node");
        Assert.True(node.Index < run.Index);
        var major = int.Parse(node.With["node-version"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(major >= 20, $"node-version {major}: the tests need Node 20 or newer");
        Assert.Contains($"readonly NODE_VERSION={major}.", replay, StringComparison.Ordinal);
    }

    [Fact]
    public void The_unit_and_contract_tiers_run_once_and_the_end_to_end_tier_once_per_catalog_platform_natively()
    {
        var calls = Ci.Steps.Where(s => (s.Run ?? "").Contains("tests/run.sh", StringComparison.Ordinal)).ToList();
        Assert.Equal(["end-to-end", "test"], calls.Select(s => s.Job.Id).Order(StringComparer.Ordinal));

        // The formatting check and the unit and contract tiers: one job, no end-to-end tier, no matrix.
        var once = calls.Single(s => s.Job.Id == "test");
        Assert.Equal("bash tests/run.sh --skip-end-to-end", TestCommandLine(once));
        Assert.Null(once.Job.Node.Get("strategy"));

        // The end-to-end tier: one leg per platform of the catalog, each for its own platform only, on its native runner
        // (NativeRunnerTests checks the runner variables of every platform leg).
        var legs = calls.Single(s => s.Job.Id == "end-to-end");
        Assert.Equal("bash tests/run.sh --platform \"$PLATFORM\" --only-end-to-end", TestCommandLine(legs));
        Assert.Equal("${{ matrix.platform }}", legs.Env["PLATFORM"]);
        Assert.Equal(NativeRunners.CatalogPlatforms().Order(StringComparer.Ordinal), NativeRunners.Legs(legs.Job).Select(l => l["platform"]).Order(StringComparer.Ordinal));
        Assert.Contains(legs.Job.ToString(), NativeRunners.PlatformJobs().Select(j => j.ToString()));

        // Podman inside a cgroup v2 container: builds need no cgroup (chroot isolation).
        Assert.Equal("chroot", legs.Job.Node.Map("env").Scalar("BUILDAH_ISOLATION"));
        // tests/ci-container/run.sh passes a leg's arguments through to tests/run.sh.
        var replay = Repo.Read(Path.Combine("tests", "ci-container", "run.sh"));
        Assert.Contains("bash tests/run.sh \"$@\"", replay, StringComparison.Ordinal);
    }

    /// <summary>The line of a step's script that runs the test command.</summary>
    private static string TestCommandLine(Step step) =>
        step.Run!.Split('\n').Select(l => l.Trim()).Single(l => l.Contains("tests/run.sh", StringComparison.Ordinal));

    /// <summary>
    /// The release gate waits for the conclusion of the whole ci run, which is success only when every job of it
    /// succeeded: a job that may fail (continue-on-error) or be skipped (if:) would let a run pass without it.
    /// </summary>
    [Fact]
    public void The_release_gate_requires_every_job_and_every_leg_of_ci()
    {
        foreach (var job in Ci.Jobs)
        {
            Assert.True(job.Node.Get("continue-on-error") is null, $"{job}: continue-on-error lets a failed leg pass the run the release gate waits for");
            Assert.True(job.If is null, $"{job}: if: {job.If} could skip it in the run the release gate waits for");
            Assert.DoesNotContain(job.Steps, s => s.Node.Get("continue-on-error") is not null);
        }
        Assert.Contains("ci.yml:end-to-end", NativeRunners.PlatformJobs().Select(j => j.ToString()));
        var gate = WorkflowFile.Load("release.yml").Job("gate");
        Assert.Contains(ImagetoolCall.In(gate), c => c.Command == "release-gate" && c.Text.StartsWith("release-gate ci ", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"apt-get install -y --no-install-recommends (?<packages>[a-z0-9. +-]+)$", RegexOptions.Multiline)]
    private static partial Regex InstallLine();

    [Fact]
    public void Every_image_is_built_and_smoke_tested_through_dagger()
    {
        var tests = DaggerCall.In(Ci).Where(c => c.Function == "test").ToList();
        Assert.NotEmpty(tests);
        foreach (var call in tests)
        {
            // One platform per job, from the matrix (NativeRunnerTests: the matrix holds every catalog platform).
            Assert.Equal("${{matrix.platform}}", call.Value("platform"));
            Assert.Contains("matrix.image", call.Value("image") ?? "", StringComparison.Ordinal);
        }
        var job = tests[0].Step.Job;
        Assert.Contains("needs.list.outputs.images", job.Node.Map("strategy").Map("matrix").Scalar("image"), StringComparison.Ordinal);
        Assert.Contains(Ci.Job("list").Steps, s => (s.Run ?? "").Contains("./imagetool list --json", StringComparison.Ordinal));
    }

    [Fact]
    public void Branch_images_never_get_a_release_tag_latest_or_force()
    {
        Assert.DoesNotContain(DaggerCall.In(Ci), c => c.Function is "publish-multi-arch" or "stage");
        Assert.DoesNotContain(ImagetoolCall.In(Ci), c => c.Command is "assemble" or "publish-multi-arch" or "promote");
        var stages = DaggerCall.In(Branch).Where(c => c.Function == "stage").ToList();
        var assembles = ImagetoolCall.In(Branch).Where(c => c.Command == "assemble").ToList();
        Assert.NotEmpty(stages);
        Assert.NotEmpty(assembles);
        foreach (var call in stages.Cast<ICommandCall>().Concat(assembles))
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
        var job = DaggerCall.In(Branch).First(c => c.Function == "stage").Step.Job;
        var condition = job.If ?? "";
        Assert.Contains("github.event.pull_request.head.repo.full_name == github.repository", condition, StringComparison.Ordinal);
        Assert.Contains("contains(github.event.pull_request.labels.*.name, 'publish-branch-image')", condition, StringComparison.Ordinal);
        Assert.Contains("github.event_name == 'workflow_dispatch'", condition, StringComparison.Ordinal);
        Assert.Equal("branch-images", job.Node.Scalar("environment"));
        Assert.DoesNotContain("pull_request_target", Branch.On.Keys());
        // The assemble job holds the branch token too: it runs only after the stage job (skipped with it), in the environment.
        var assemble = ImagetoolCall.In(Branch).Single(c => c.Command == "assemble").Step.Job;
        Assert.Contains(job.Id, assemble.Needs);
        Assert.Null(assemble.If);
        Assert.Equal("branch-images", assemble.Node.Scalar("environment"));
        // A pull request runs its own copy of this workflow: the environment's required reviewers are the guard that
        // copy cannot remove, so docs/releasing.md makes them mandatory and says why.
        var docs = Repo.Read(Path.Combine("docs", "releasing.md"));
        Assert.Contains("| `branch-images` | any branch; **Required reviewers (mandatory)**", docs, StringComparison.Ordinal);
        Assert.Contains("**Why required reviewers on `branch-images` are mandatory.**", docs, StringComparison.Ordinal);
    }

    [Fact]
    public void An_approval_wait_for_branch_images_never_holds_a_pull_requests_ci()
    {
        // No environment in ci.yml: a job waiting for a reviewer would hold ci.yml's concurrency group.
        Assert.All(Ci.Jobs, j => Assert.Null(j.Node.Get("environment")));
        var ciGroup = Ci.Root.Map("concurrency").Scalar("group") ?? "";
        var branchGroup = Branch.Root.Map("concurrency").Scalar("group") ?? "";
        Assert.StartsWith("ci-", ciGroup, StringComparison.Ordinal);
        Assert.StartsWith("branch-images-", branchGroup, StringComparison.Ordinal);
        // A running push of branch images is never cancelled half-way.
        Assert.Equal("false", Branch.Root.Map("concurrency").Scalar("cancel-in-progress"));
    }

    [Fact]
    public void A_pushed_commits_ci_run_is_never_cancelled_or_replaced()
    {
        // The release gate waits for the push run of exactly the tagged commit: pushes get a group per commit, and
        // only pull requests cancel an older run.
        var concurrency = Ci.Root.Map("concurrency");
        Assert.Contains("github.sha", concurrency.Scalar("group"), StringComparison.Ordinal);
        Assert.Equal("${{ github.event_name == 'pull_request' }}", concurrency.Scalar("cancel-in-progress"));
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
