using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace ImageTooling.Workflow.Tests;

/// <summary>
/// security.yml, checked structurally (GitHub cannot run here): a weekly and manual check of what users pull, a security
/// rebuild tagged by imagetool's rule on the replaced release's commit and pushed with a token only one step reads, no
/// token for the third-party scanner, no way to loop, and NuGet's advisories reported.
/// </summary>
public partial class SecurityWorkflowTests
{
    private static readonly WorkflowFile Security = WorkflowFile.Load("security.yml");
    private const string TagToken = "RELEASE_TAG_TOKEN";

    private static Step RunStep(Job job, string text) => job.Steps.Single(s => (s.Run ?? "").Contains(text, StringComparison.Ordinal));

    private static ImagetoolCall Call(string command) => ImagetoolCall.In(Security).Single(c => c.Command == command);

    private static string Compact(string? text) => Regex.Replace(text ?? "", @"\s+", "");

    [Fact]
    public void It_runs_once_a_week_and_by_hand_and_on_nothing_else()
    {
        Assert.Equal(["schedule", "workflow_dispatch"], Security.On.Keys().Order(StringComparer.Ordinal));
        var cron = Assert.Single(Security.On.Seq("schedule")!.Children.OfType<YamlMappingNode>()).Scalar("cron")!;
        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, fields.Length);
        // A fixed minute and hour, every month and day of the month, one day of the week: weekly.
        Assert.Matches("^[0-5]?[0-9]$", fields[0]);
        Assert.Matches("^(1?[0-9]|2[0-3])$", fields[1]);
        Assert.Equal(("*", "*"), (fields[2], fields[3]));
        Assert.Matches("^[0-6]$", fields[4]);
        // No concurrent check: two would decide on the same tags and make the same rebuild tag.
        var concurrency = Security.Root.Map("concurrency");
        Assert.Equal("security", concurrency.Scalar("group"));
        Assert.Equal("false", concurrency.Scalar("cancel-in-progress"));
    }

    [Fact]
    public void Every_job_asks_for_the_least_it_needs()
    {
        Assert.Equal(new Dictionary<string, string> { ["contents"] = "read" }, Security.Root.Map("permissions").Scalars());
        var expected = new Dictionary<string, Dictionary<string, string>>
        {
            ["targets"] = new() { ["contents"] = "read" },
            ["status"] = new() { ["contents"] = "read" },
            ["scan"] = [], // no checkout: nothing at all
            ["rebuild"] = new() { ["contents"] = "read", ["actions"] = "read" }, // the tag is pushed with its own token, not this one
            ["nuget"] = new() { ["contents"] = "read" },
        };
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), Security.Jobs.Select(j => j.Id).Order(StringComparer.Ordinal));
        foreach (var job in Security.Jobs)
        {
            Assert.True(job.Permissions is not null, $"{job} must state its permissions");
            Assert.Equal(expected[job.Id], job.Permissions.Scalars());
            Assert.Equal(job.Permissions.Children.Count, job.Permissions.Scalars().Count);
            Assert.NotNull(job.Node.Scalar("timeout-minutes"));
        }
        Assert.Equal("read", Security.Job("rebuild").Permissions.Scalar("actions")); // the reports are artifacts of this run
    }

    /// <summary>Why a step that uses an action other than GitHub's own could get a token or a secret; none when it cannot.</summary>
    internal static IReadOnlyList<string> ProblemsOfAThirdPartyAction(Step step)
    {
        var problems = new List<string>();
        var job = step.Job;
        bool Holds(YamlNode? node) => node is not null && node.AllScalars().Any(s => s.Value.Contains("secrets.", StringComparison.Ordinal)
            || s.Value.Contains("github.token", StringComparison.Ordinal) || s.Value.Contains("secrets[", StringComparison.Ordinal));
        if (Holds(step.Node.Get("with")) || Holds(step.Node.Get("env")))
            problems.Add("its inputs or env carry a secret or the workflow's token");
        if (Holds(job.Node.Get("env")) || Holds(job.Workflow.Root.Get("env")))
            problems.Add("the job's or the workflow's env carries a secret or the workflow's token");
        // An action may read github.token itself (trivy-action's default input does): only a token without any
        // permission is safe to be read.
        if (job.Permissions is not { Children.Count: 0 })
            problems.Add("its job must have `permissions: {}`: the action can read the job's token by a default input");
        if (job.Node.Get("environment") is not null)
            problems.Add("its job has an environment (whose secrets a later change could hand it)");
        if (job.Steps.Any(s => Holds(s.Node)))
            problems.Add("another step of its job holds a secret or the workflow's token");
        return problems;
    }

    [Fact]
    public void No_token_or_secret_reaches_the_third_party_scanner()
    {
        var thirdParty = Security.Steps.Where(s => s.Uses is not null && !s.Action!.StartsWith("actions/", StringComparison.Ordinal)).ToList();
        Assert.Equal(["aquasecurity/trivy-action"], thirdParty.Select(s => s.Action).Distinct());
        foreach (var step in thirdParty)
        {
            var problems = ProblemsOfAThirdPartyAction(step);
            Assert.True(problems.Count == 0, $"{step}: {string.Join("; ", problems)}");
        }
    }

    private const string ScanJob = """
        on: workflow_dispatch
        permissions:
          contents: read
        jobs:
          scan:
            runs-on: ubuntu-latest
        #permissions
            permissions: {}
            steps:
              - name: Scan
                uses: aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25 # v0.36.0
        #with
                with:
                  image-ref: docker.io/best-tools/pandoc:latest
        """;

    [Fact]
    public void The_scanner_s_job_as_written_here_is_accepted() =>
        Assert.Empty(ProblemsOfAThirdPartyAction(WorkflowFile.Parse("good.yml", ScanJob).Job("scan").Steps[0]));

    [Theory]
    [InlineData("the job's default token", "    permissions: {}\n", "    permissions:\n      contents: read\n", "permissions: {}")]
    [InlineData("no permissions stated (the repository's default)", "    permissions: {}\n", "", "permissions: {}")]
    [InlineData("a token as an input", "#with\n        with:\n", "#with\n        with:\n          token-setup-trivy: ${{ github.token }}\n", "inputs or env")]
    [InlineData("a secret in the job's env", "#permissions\n", "    env:\n      T: ${{ secrets.RELEASE_TAG_TOKEN }}\n", "job's or the workflow's env")]
    [InlineData("an environment", "#permissions\n", "    environment: security-rebuild\n", "has an environment")]
    public void A_token_within_the_scanner_s_reach_is_refused(string what, string replace, string by, string expected)
    {
        Assert.Contains(replace, ScanJob, StringComparison.Ordinal);
        var broken = WorkflowFile.Parse("broken.yml", ScanJob.Replace(replace, by, StringComparison.Ordinal));
        var problems = ProblemsOfAThirdPartyAction(broken.Job("scan").Steps[0]);
        Assert.True(problems.Any(p => p.Contains(expected, StringComparison.Ordinal)), $"{what}: expected '{expected}', got: {string.Join("; ", problems)}");
    }

    [Fact]
    public void Only_the_push_step_reads_the_tag_token_and_nothing_runs_an_action_after_it()
    {
        var holders = WorkflowFile.All().SelectMany(w => w.Steps).Where(s => s.Node.AllScalars().Any(v => v.Value.Contains(TagToken, StringComparison.Ordinal))).ToList();
        var push = Assert.Single(holders);
        Assert.Equal("security.yml:rebuild", push.Job.ToString());
        Assert.Null(push.Uses);
        Assert.Equal($"${{{{ secrets.{TagToken} }}}}", push.Env[TagToken]);
        Assert.DoesNotContain(push.Job.Steps.Skip(push.Index + 1), s => s.Uses is not null);
        foreach (var workflow in WorkflowFile.All())
        {
            Assert.DoesNotContain(TagToken, workflow.Root.Get("env")?.AllScalars().Select(s => s.Value) ?? [], StringComparer.Ordinal);
            foreach (var job in workflow.Jobs)
                Assert.False(job.Node.Get("env")?.AllScalars().Any(s => s.Value.Contains(TagToken, StringComparison.Ordinal)) ?? false, $"{job}: the tag token in the job's env");
        }
        // Held by an environment that only the default branch may deploy to (docs/releasing.md), never a repository secret.
        Assert.Equal("security-rebuild", push.Job.Node.Scalar("environment"));
        Assert.DoesNotContain(Security.Jobs.Where(j => j.Id != "rebuild"), j => j.Node.Get("environment") is not null);
        // git reads it from the environment through a credential helper: not on a command line, not in .git/config.
        var run = push.Run!;
        Assert.Contains("credential.helper=", run, StringComparison.Ordinal);
        Assert.Contains("echo \"password=$" + TagToken + "\"", run, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"https://[^ ]*\$", run);
        Assert.DoesNotContain("git config", run, StringComparison.Ordinal);
        // The checkouts keep no credentials, so the workflow's own token pushes nothing.
        foreach (var checkout in Security.Steps.Where(s => s.Action == "actions/checkout"))
            Assert.Equal("false", checkout.With.GetValueOrDefault("persist-credentials"));
        // Its documentation: which token, which permission, where it lives.
        var docs = Repo.Read(Path.Combine("docs", "releasing.md"));
        Assert.Contains(TagToken, docs, StringComparison.Ordinal);
        Assert.Contains("`security-rebuild`", docs, StringComparison.Ordinal);
    }

    [Fact]
    public void The_checked_tags_are_imagetool_s_and_each_is_checked_on_every_platform_natively_and_scanned_as_release_yml_scans()
    {
        var targets = Call("security-targets");
        Assert.Equal("targets", targets.Step.Job.Id);
        Assert.Equal("\"$GITHUB_OUTPUT\"", targets.Text.Split(' ')[^1]);
        var outputs = Security.Job("targets").Node.Map("outputs").Scalars();
        foreach (var name in new[] { "any", "tags", "scans" })
            Assert.Equal($"${{{{steps.{targets.Step.Id}.outputs.{name}}}}}", Compact(outputs[name]));

        var status = Security.Job("status");
        Assert.Equal("${{fromJSON(needs.targets.outputs.tags)}}", Compact(status.Node.Map("strategy").Map("matrix").Scalar("tag")));
        var legs = NativeRunners.Legs(status);
        Assert.Equal(NativeRunners.CatalogPlatforms().Order(StringComparer.Ordinal), legs.Select(l => l["platform"]).Order(StringComparer.Ordinal));
        foreach (var leg in legs)
            Assert.Equal(NativeRunners.ByArchitecture[NativeRunners.Architecture(leg["platform"])].Expression, leg["runner"]);
        Assert.Equal("${{matrix.runner}}", Compact(status.Node.Scalar("runs-on")));
        // The project's engine installer, for the runner's own platform: no emulation anywhere.
        Assert.Equal("sudo bash ci/install-local-engine.sh --native-only", RunStep(status, "install-local-engine").Run!.Trim());
        var check = Call("security-status");
        Assert.Equal(("${{matrix.tag}}", "${{matrix.platform}}"), (check.Value("tag"), check.Value("platform")));
        Assert.Equal("\"$RUNNER_TEMP/security-status-$TAG-$ARCH.json\"".Replace("\"", "", StringComparison.Ordinal), check.Value("metadata-file"));
        // Exit code 1 is the answer "something waits", read from the report; worse codes fail the leg.
        Assert.Contains("if ((status > 1)); then exit \"$status\"; fi", check.Step.Run, StringComparison.Ordinal);
        Assert.Equal("false", status.Node.Map("strategy").Scalar("fail-fast"));

        var scan = Security.Job("scan");
        Assert.Equal("${{fromJSON(needs.targets.outputs.scans)}}", Compact(scan.Node.Map("strategy").Map("matrix").Scalar("include")));
        var scans = scan.Steps.Where(s => s.Action == "aquasecurity/trivy-action").ToList();
        var release = WorkflowFile.Load("release.yml").Steps.First(s => s.Action == "aquasecurity/trivy-action");
        Assert.Equal(NativeRunners.CatalogPlatforms().Order(StringComparer.Ordinal), scans.Select(s => s.Env["TRIVY_PLATFORM"]).Order(StringComparer.Ordinal));
        foreach (var step in scans)
        {
            Assert.Equal(release.Uses, step.Uses); // the release's scanner, pinned the same
            Assert.Equal("${{matrix.reference}}", Compact(step.With["image-ref"]));
            Assert.Equal(["CRITICAL", "HIGH"], step.With["severity"].Split(',').Order(StringComparer.Ordinal));
            Assert.Equal("true", step.With["ignore-unfixed"]);
            Assert.Equal("json", step.With["format"]);
            Assert.Equal("os,library", step.With["vuln-type"]);
        }
    }

    [Fact]
    public void The_rebuild_is_imagetool_s_tag_on_the_replaced_release_s_commit_and_nothing_else_is_pushed()
    {
        var rebuild = Security.Job("rebuild");
        Assert.Equal(["scan", "status", "targets"], rebuild.Needs.Order(StringComparer.Ordinal)); // decided on every report, or not at all
        Assert.Null(rebuild.If);
        Assert.Equal("0", rebuild.StepUsing("actions/checkout").With["fetch-depth"]); // every tag: releases, commits, rebuild records

        var download = RunStep(rebuild, "gh run download");
        Assert.Contains("--pattern 'security-status-*' --dir \"$RUNNER_TEMP/status\"", download.Run, StringComparison.Ordinal);
        Assert.Contains("--pattern 'trivy-*' --dir \"$RUNNER_TEMP/scans\"", download.Run, StringComparison.Ordinal);
        Assert.Equal("${{ github.token }}", download.Env["GH_TOKEN"]);

        // imagetool decides and makes the annotated tags (the next free patch, on the replaced release's commit:
        // SecurityRebuildCommandTests runs that rule on a real repository); the YAML makes no tag and names no commit.
        var decide = Call("security-rebuild");
        Assert.Equal(rebuild, decide.Step.Job);
        Assert.True(decide.Has("create-tags"));
        Assert.Equal(("$RUNNER_TEMP/status", "$RUNNER_TEMP/scans"), (decide.Value("status"), decide.Value("scans")));
        Assert.Equal("$GITHUB_OUTPUT", decide.Value("github-output"));
        Assert.Equal("$GITHUB_STEP_SUMMARY", decide.Value("summary"));
        Assert.True(download.Index < decide.Step.Index);
        foreach (var step in WorkflowFile.All().SelectMany(w => w.Steps))
            Assert.DoesNotMatch(@"\bgit\s+(-c\s+\S+\s+)*tag\b", step.Run ?? "");
        foreach (var step in rebuild.Steps)
        {
            var text = string.Join("\n", step.Node.AllScalars().Select(s => s.Value));
            foreach (var head in new[] { "github.sha", "GITHUB_SHA", "github.ref", "GITHUB_REF", "HEAD", "origin/", "refs/heads" })
                Assert.DoesNotContain(head, text, StringComparison.Ordinal);
        }

        // The push: only the tags imagetool made, one by one, never forced, never a branch.
        var push = rebuild.Steps.Single(s => s.Env.ContainsKey(TagToken));
        Assert.Equal($"${{{{steps.{decide.Step.Id}.outputs.tags}}}}", Compact(push.Env["TAGS"]));
        Assert.Equal($"steps.{decide.Step.Id}.outputs.tags!=''", Compact(push.Node.Scalar("if")));
        Assert.True(push.Index > decide.Step.Index);
        var pushes = Regex.Matches(push.Run!, @"\bgit\b[^\n]*\bpush\b(?<rest>[^\n]*)").Select(m => m.Groups["rest"].Value.Trim()).ToList();
        Assert.Equal(["origin \"refs/tags/$tag\""], pushes);
        Assert.Contains("for tag in $TAGS; do", push.Run, StringComparison.Ordinal);
        foreach (var flag in new[] { "--force", "-f ", "+refs", "--tags", "--all", "--mirror", "--delete" })
            Assert.DoesNotContain(flag, push.Run, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_a_rebuild_starts_can_start_this_workflow_again_and_a_stopped_rebuild_asks_for_a_person()
    {
        // The tags start release.yml; nothing release.yml does (a push of tags and indexes, a GitHub release) is a
        // trigger of this workflow, and the rule that stops a rebuild that would fix nothing is imagetool's
        // (SecurityRebuildTests, SecurityRebuildCommandTests).
        foreach (var trigger in new[] { "push", "release", "workflow_run", "create", "registry_package", "repository_dispatch" })
            Assert.DoesNotContain(trigger, Security.On.Keys());
        Assert.Equal(["push"], WorkflowFile.Load("release.yml").On.Keys());

        var rebuild = Security.Job("rebuild");
        var decide = Call("security-rebuild").Step;
        var attention = rebuild.Steps.Single(s => Compact(s.Node.Scalar("if")) == $"steps.{decide.Id}.outputs.attention=='true'");
        Assert.Contains("exit 1", attention.Run, StringComparison.Ordinal);
        Assert.True(attention.Index > rebuild.Steps.Single(s => s.Env.ContainsKey(TagToken)).Index, "a stopped line must not hold back the others' rebuilds");
    }

    [Fact]
    public void NuGet_advisories_are_listed_and_reported_but_stop_nothing()
    {
        var nuget = Security.Job("nuget");
        var report = Call("nuget-advisories");
        Assert.Equal(nuget, report.Step.Job);
        var run = report.Step.Run!;
        Assert.Contains("package --vulnerable --include-transitive --format json > \"$RUNNER_TEMP/nuget-vulnerable.json\"", run, StringComparison.Ordinal);
        Assert.Equal("$RUNNER_TEMP/nuget-vulnerable.json", report.Value("report"));
        Assert.Contains(">> \"$GITHUB_STEP_SUMMARY\"", run, StringComparison.Ordinal);
        Assert.DoesNotContain(Security.Jobs, j => j.Needs.Contains("nuget")); // nothing waits for it
        // No workflow fails on an advisory: restore's audit warnings stay warnings (NugetAdvisoriesTests checks the props).
        foreach (var step in WorkflowFile.All().SelectMany(w => w.Steps))
            Assert.DoesNotContain("NuGetAudit", step.Run ?? "", StringComparison.Ordinal);
    }
}
