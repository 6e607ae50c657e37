using YamlDotNet.RepresentationModel;

namespace ImageTooling.Workflow.Tests;

public class TriggerAndPermissionTests
{
    private static readonly WorkflowFile Release = WorkflowFile.Load("release.yml");
    private static readonly WorkflowFile Ci = WorkflowFile.Load("ci.yml");

    [Fact]
    public void Release_runs_only_on_pushed_version_tags()
    {
        Assert.Equal(["push"], Release.On.Keys());
        var push = Release.On.Map("push");
        Assert.Equal(["tags"], push.Keys());
        Assert.Equal(["v*.*.*"], push.Get("tags").Strings());
    }

    [Fact]
    public void Ci_runs_on_pull_requests_pushes_to_main_and_release_branches_and_by_hand()
    {
        Assert.Equal(["pull_request", "push", "workflow_dispatch"], Ci.On.Keys().Order(StringComparer.Ordinal));
        Assert.Equal(["branches"], Ci.On.Map("push").Keys());
        // The release gate needs a ci push run of the tagged commit, on main or on a release/** branch (backports).
        Assert.Equal(["main", "release/**"], Ci.On.Map("push").Get("branches").Strings());
        Assert.Null(Ci.On.Map("pull_request").Get("branches"));

        var branch = WorkflowFile.Load("branch-images.yml");
        Assert.Equal(["pull_request", "workflow_dispatch"], branch.On.Keys().Order(StringComparer.Ordinal));
        Assert.Contains("labeled", branch.On.Map("pull_request").Get("types").Strings());
    }

    [Fact]
    public void No_workflow_runs_untrusted_code_with_secrets()
    {
        foreach (var workflow in WorkflowFile.All())
        {
            Assert.DoesNotContain("pull_request_target", workflow.On.Keys());
            Assert.DoesNotContain("workflow_run", workflow.On.Keys());
        }
    }

    [Fact]
    public void Every_workflow_reads_contents_only_at_the_top()
    {
        foreach (var workflow in WorkflowFile.All())
        {
            var permissions = workflow.Root.Map("permissions");
            Assert.True(permissions is not null, $"{workflow} must set top-level permissions");
            Assert.Equal(new Dictionary<string, string> { ["contents"] = "read" }, permissions.Scalars());
        }
    }

    /// <summary>Steps write ./imagetool's output (dotnet build, then the program) to $GITHUB_OUTPUT: no first-run banner or telemetry notice of
    /// the .NET CLI may land there, in any job of any workflow.</summary>
    [Fact]
    public void Every_workflow_silences_the_dotnet_cli_for_every_job()
    {
        var workflows = WorkflowFile.All();
        Assert.Subset(workflows.Select(w => w.Name).ToHashSet(), new HashSet<string> { "branch-images.yml", "ci.yml", "release.yml" });
        foreach (var workflow in workflows)
        {
            var env = workflow.Root.Map("env").Scalars();
            foreach (var name in new[] { "DOTNET_NOLOGO", "DOTNET_CLI_TELEMETRY_OPTOUT", "DOTNET_SKIP_FIRST_TIME_EXPERIENCE" })
                Assert.True(env.GetValueOrDefault(name) is "1" or "true", $"{workflow}: no workflow-level env {name}: \"1\"");
            // Not undone for a job or a step.
            foreach (var (path, _) in workflow.Root.AllScalars().Where(s => s.Path.StartsWith("jobs.", StringComparison.Ordinal) && s.Path.Contains(".env.DOTNET_", StringComparison.Ordinal)))
                Assert.Fail($"{workflow}: {path} sets a .NET CLI variable of its own");
        }
    }

    [Fact]
    public void No_permission_shorthand_anywhere()
    {
        foreach (var workflow in WorkflowFile.All())
        {
            var shorthands = workflow.Root.AllScalars()
                .Where(s => s.Path == "permissions" || s.Path.EndsWith(".permissions", StringComparison.Ordinal))
                .ToList();
            Assert.True(shorthands.Count == 0, $"{workflow}: {string.Join(", ", shorthands)} (write-all/read-all grant every scope)");
        }
    }

    [Fact]
    public void Write_permissions_are_only_signing_in_the_release_jobs_that_sign_and_contents_for_the_github_release()
    {
        foreach (var workflow in WorkflowFile.All())
        {
            foreach (var job in workflow.Jobs)
            {
                var writes = job.Permissions.Scalars().Where(p => p.Value == "write").Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
                var signs = job.Steps.Any(s => s.Action is "sigstore/cosign-installer" or "actions/attest-build-provenance");
                var createsRelease = job.Steps.Any(s => (s.Run ?? "").Contains("gh release create", StringComparison.Ordinal));
                if (workflow.Name == "release.yml" && signs)
                    Assert.Equal(["attestations", "id-token"], writes);
                else if (workflow.Name == "release.yml" && createsRelease)
                    Assert.Equal(["contents"], writes); // the GitHub release, and it sees no registry token
                else
                    Assert.True(writes.Count == 0, $"{job} needs no write permission but has {string.Join(", ", writes)}");
            }
        }
    }

    [Fact]
    public void The_id_token_exists_only_in_the_release_workflow()
    {
        Assert.DoesNotContain("id-token", Ci.Text, StringComparison.Ordinal);
        Assert.Null(Release.Root.Map("permissions").Get("id-token"));
        Assert.Contains(Release.Jobs, j => j.Permissions.Scalar("id-token") == "write");
    }

    [Fact]
    public void Two_releases_never_race_and_near_simultaneous_tags_queue()
    {
        var concurrency = Release.Root.Get("concurrency");
        var group = concurrency switch
        {
            YamlScalarNode s => s.Value,
            YamlMappingNode m => m.Scalar("group"),
            _ => null,
        };
        // A group per tag: the same tag never runs twice at once, and no third tag replaces a pending second (GitHub
        // keeps one pending run per group). Different tags queue in the gate instead, in run order.
        Assert.Equal("release-${{ github.ref }}", group);
        Assert.NotEqual("true", (concurrency as YamlMappingNode).Scalar("cancel-in-progress"));
        var gate = Release.Job("gate");
        var queue = gate.Steps.Single(s => (s.Run ?? "").Contains("./imagetool release-gate queue", StringComparison.Ordinal));
        // imagetool lists release.yml's runs (unit-tested with a stand-in gh) and waits for those older than this one.
        Assert.Equal("$GITHUB_RUN_ID", ReleaseWorkflowTests.AssertBoundedWait(queue).Value("run-id"));
        // Every job that pushes anything waits for the gate (and so for the queue).
        foreach (var job in Release.Jobs.Where(j => j.Id != "gate"))
            Assert.True(ReleaseWorkflowTests.DependsOn(job, "gate"), $"{job} does not wait for the gate");
    }
}
