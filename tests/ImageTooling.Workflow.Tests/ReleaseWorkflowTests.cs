using System.Text.RegularExpressions;

namespace ImageTooling.Workflow.Tests;

public partial class ReleaseWorkflowTests
{
    private static readonly WorkflowFile Release = WorkflowFile.Load("release.yml");

    private static DaggerCall Stage() => DaggerCall.In(Release).Single(c => c.Function == "stage");

    private static ImagetoolCall Assemble() => ImagetoolCall.In(Release).Single(c => c.Command == "assemble");

    private static Step RunStep(Job job, string text) =>
        job.Steps.Single(s => (s.Run ?? "").Contains(text, StringComparison.Ordinal));

    [Fact]
    public void The_core_validates_the_release_tag_first_and_stage_and_assemble_take_the_validated_tag()
    {
        var gate = Release.Job("gate");
        var validate = gate.Steps.Single(s => s.Env.GetValueOrDefault("TAG") == "${{ github.ref_name }}");
        Assert.Contains("./imagetool plan --tag \"$TAG\"", validate.Run, StringComparison.Ordinal);
        Assert.DoesNotContain("=~", validate.Run, StringComparison.Ordinal); // the rule is the core's, not a shell regex
        Assert.True(gate.Steps.Where(s => s.Run is not null).All(s => s.Index >= validate.Index), "validation is the first thing the gate runs");
        Assert.Equal($"${{{{ steps.{validate.Id}.outputs.tag }}}}", gate.Node.Map("outputs").Scalar("tag"));
        Assert.Equal("${{needs.gate.outputs.tag}}", Stage().Value("tag"));
        Assert.Contains("gate", Stage().Step.Job.Needs);
        Assert.Equal("${{needs.gate.outputs.tag}}", Assemble().Value("tag"));
        Assert.Contains("gate", Assemble().Step.Job.Needs);
    }

    [Fact]
    public void Nothing_is_built_unless_the_tagged_commit_is_on_the_default_or_a_release_branch()
    {
        var gate = Release.Job("gate");
        Assert.Equal("0", gate.Steps[0].With["fetch-depth"]);
        var branch = RunStep(gate, "./imagetool release-gate branch");
        // The data (the branches holding the commit, with their heads), then imagetool's verdict as the step's exit code.
        Assert.Equal(
            [
                "git for-each-ref --contains \"$GITHUB_SHA\" --format='%(objectname) %(refname:lstrip=3)' refs/remotes/origin > \"$RUNNER_TEMP/branches.txt\"",
                "./imagetool release-gate branch --default-branch \"$DEFAULT_BRANCH\" --branches \"$RUNNER_TEMP/branches.txt\"",
            ],
            ScriptLines(branch));
        Assert.Equal("${{ github.event.repository.default_branch }}", branch.Env["DEFAULT_BRANCH"]);
        // The rule (default branch or release/**) is imagetool's, and ci.yml runs on pushes to those branches.
        Assert.Contains("release/**", WorkflowFile.Load("ci.yml").On.Map("push").Get("branches").Strings());
        Assert.DoesNotContain(gate.Steps, s => (s.Run ?? "").Contains("merge-base --is-ancestor", StringComparison.Ordinal));
    }

    [Fact]
    public void Nothing_is_built_until_ci_passed_on_the_tagged_commit_and_the_gate_waits_for_it()
    {
        var gate = Release.Job("gate");
        var ci = RunStep(gate, "./imagetool release-gate ci");
        var call = AssertBoundedWait(ci);
        Assert.Equal("${{github.sha}}", call.Value("commit"));
        Assert.Equal("${{steps.release.outputs.tag}}", call.Value("tag"));
        // The same branches (with their heads) as the branch rule read: a commit that is no head is refused at once.
        var branch = ImagetoolCall.In(RunStep(gate, "./imagetool release-gate branch")).Single();
        Assert.Equal(branch.Value("branches"), call.Value("branches"));
        Assert.True(RunStep(gate, "./imagetool release-gate branch").Index < ci.Index);
        Assert.Equal("read", gate.Permissions.Scalar("actions"));
        foreach (var job in Release.Jobs.Where(j => j.Id != "gate"))
            Assert.True(DependsOn(job, "gate"), $"{job} does not wait for the gate");
    }

    /// <summary>The non-empty lines of a step's script, trimmed.</summary>
    internal static IReadOnlyList<string> ScriptLines(Step step) =>
        (step.Run ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    /// <summary>
    /// A gate step that waits: exactly one `./imagetool release-gate ...` line whose exit code is the step's. imagetool asks
    /// again after each pause and gives up after --wait-minutes with a line saying why; the step adds nothing around it
    /// (no loop, no `case` on the printed verdict, no `|| true`, no condition, no continue-on-error) that could pass a
    /// gate imagetool failed or wait beyond its limit.
    /// </summary>
    internal static ImagetoolCall AssertBoundedWait(Step step)
    {
        var lines = ScriptLines(step);
        Assert.True(lines.Count == 1, $"{step}: a wait is one imagetool line, not {lines.Count}:\n{step.Run}");
        Assert.Matches(@"^\./imagetool release-gate (ci|queue)( --[a-z-]+ (""\$[A-Z_]+""|""\$RUNNER_TEMP/[a-z.-]+""))+$", lines[0]);
        Assert.True(step.Node.Get("if") is null && step.Node.Get("continue-on-error") is null, $"{step}: a condition or continue-on-error could pass the gate");
        var call = ImagetoolCall.In(step).Single();
        Assert.Equal(step.Env["WAIT_MINUTES"], call.Value("wait-minutes")); // "$WAIT_MINUTES", read from the step's env
        Assert.Equal("$GITHUB_REPOSITORY", call.Value("repository"));
        Assert.Equal("${{ github.token }}", step.Env["GH_TOKEN"]);
        var minutes = int.Parse(step.Env["WAIT_MINUTES"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(minutes > 0, $"{step}: WAIT_MINUTES {minutes}");
        return call;
    }

    /// <summary>What a gate job needs beside its waits: checkout, .NET, imagetool's first build and the branch rule.</summary>
    private const int GateSetupMinutes = 15;

    /// <summary>How long a wait can outlive its limit: its last question (gh run list, bounded by GhWorkflowRuns.CallTimeout, 1 minute), rounded up.</summary>
    private const int QuestionMinutes = 2;

    /// <summary>The gate's waits (each with its last question) and the steps before them fit in the job's timeout, so each
    /// wait ends with imagetool's own message instead of GitHub cancelling the job.</summary>
    [Fact]
    public void The_gate_s_waits_fit_in_its_timeout()
    {
        var gate = Release.Job("gate");
        var waits = gate.Steps.Where(s => s.Env.ContainsKey("WAIT_MINUTES")).ToList();
        Assert.Equal(["./imagetool release-gate queue", "./imagetool release-gate ci"], waits.Select(s => string.Join(' ', ScriptLines(s)[0].Split(' ').Take(3))));
        Assert.All(waits, w => AssertBoundedWait(w));
        Assert.True(FitsInTimeout(gate), $"{gate}: waits of {string.Join(" + ", GateWaits(gate))} minutes (+{QuestionMinutes} each, +{GateSetupMinutes} setup) exceed timeout-minutes {gate.Node.Scalar("timeout-minutes")}");
        // GitHub-hosted runners end any job after 360 minutes.
        Assert.True(int.Parse(gate.Node.Scalar("timeout-minutes")!, System.Globalization.CultureInfo.InvariantCulture) <= 360);
    }

    private static IReadOnlyList<int> GateWaits(Job gate) =>
        gate.Steps.Where(s => s.Env.ContainsKey("WAIT_MINUTES")).Select(s => int.Parse(s.Env["WAIT_MINUTES"], System.Globalization.CultureInfo.InvariantCulture)).ToList();

    private static bool FitsInTimeout(Job gate) =>
        GateWaits(gate).Sum(w => w + QuestionMinutes) + GateSetupMinutes <= int.Parse(gate.Node.Scalar("timeout-minutes") ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("the old loop with an extra arm", "        run: ./imagetool release-gate queue --repository \"$GITHUB_REPOSITORY\" --run-id \"$GITHUB_RUN_ID\" --wait-minutes \"$WAIT_MINUTES\"\n",
        "        run: |\n          while :; do\n            verdict=\"$(./imagetool release-gate queue --repository \"$GITHUB_REPOSITORY\" --run-id \"$GITHUB_RUN_ID\" --wait-minutes \"$WAIT_MINUTES\")\"\n            case \"$verdict\" in passed:*) break ;; waiting:*) break ;; esac\n          done\n")]
    [InlineData("a failure ignored", "--wait-minutes \"$WAIT_MINUTES\"\n", "--wait-minutes \"$WAIT_MINUTES\" || true\n")]
    [InlineData("a fixed limit", "--wait-minutes \"$WAIT_MINUTES\"\n", "--wait-minutes 100000\n")]
    [InlineData("a skipped gate", "      - name: Wait for earlier release runs to finish\n", "      - name: Wait for earlier release runs to finish\n        continue-on-error: true\n")]
    public void A_wait_that_could_pass_a_failed_gate_or_outlive_its_limit_is_refused(string what, string replace, string by)
    {
        Assert.Contains(replace, Release.Text, StringComparison.Ordinal);
        var broken = WorkflowFile.Parse("release.yml", Release.Text.Replace(replace, by, StringComparison.Ordinal)).Job("gate");
        var queue = broken.Steps.Single(s => (s.Run ?? "").Contains("./imagetool release-gate queue", StringComparison.Ordinal));
        Assert.True(Record.Exception(() => AssertBoundedWait(queue)) is not null, $"{what} was accepted");
    }

    [Fact]
    public void Waits_longer_than_the_gate_s_timeout_are_refused()
    {
        var broken = WorkflowFile.Parse("release.yml", Release.Text.Replace("WAIT_MINUTES: \"150\"", "WAIT_MINUTES: \"170\"", StringComparison.Ordinal)).Job("gate");
        Assert.False(FitsInTimeout(broken));
        Assert.True(FitsInTimeout(Release.Job("gate")));
    }

    internal static bool DependsOn(Job job, string id) =>
        job.Needs.Contains(id) || job.Needs.Any(n => DependsOn(Release.Job(n), id));

    [Fact]
    public void The_version_tags_are_assembled_first_and_floating_tags_are_left_to_promotion()
    {
        var assemble = Assemble();
        Assert.True(assemble.Has("no-floating-tags"), "floating tags move only after verification: see the comment in release.yml");
        Assert.False(assemble.Has("force"), "a release never overwrites an existing release tag");
        Assert.False(assemble.Has("branch-tag"));
        Assert.Equal("publish", assemble.Step.Job.Id);
        // Staging tags nothing; the stage call names the release only so that its plan is the release's.
        var stage = Stage();
        Assert.False(stage.Has("branch-tag"));
        Assert.Equal("stage", stage.Step.Job.Id);
        Assert.Equal(stage.Value("revision"), assemble.Value("revision"));
    }

    [Fact]
    public void The_published_digests_are_read_back_and_compared_before_anything_uses_them()
    {
        var job = Release.Job("publish");
        var publish = Assemble().Step;
        var targets = RunStep(job, "./imagetool release-targets");
        Assert.True(targets.Index > publish.Index);
        // The assemble step's run report (JSON), never its printed lines, is what the digests are read from.
        Assert.Contains("--metadata-file", publish.Run, StringComparison.Ordinal);
        Assert.Contains("--run-report", targets.Run, StringComparison.Ordinal);
        Assert.Equal($"${{{{ steps.{publish.Id}.outputs.output }}}}", targets.Env["REPORT"]);
        Assert.Equal($"${{{{ steps.{targets.Id}.outputs.targets }}}}", job.Node.Map("outputs").Scalar("targets"));
        Assert.Equal($"${{{{ steps.{publish.Id}.outputs.output }}}}", job.Node.Map("outputs").Scalar("report"));
        Assert.Contains(job.Steps.Skip(publish.Index + 1), s => s.Env.Values.Contains($"${{{{ steps.{publish.Id}.outputs.output }}}}") && (s.Run ?? "").Contains("GITHUB_STEP_SUMMARY", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_published_digest_is_scanned_signed_attested_with_an_sbom_per_platform_and_verified()
    {
        var scan = Release.Job("scan");
        var verify = Release.Job("sign");
        Assert.Contains("scan", verify.Needs);
        Assert.Contains("needs.publish.outputs.targets", verify.Node.Map("strategy").Map("matrix").Scalar("include"), StringComparison.Ordinal);

        // Scanners and SBOM tools download code at run time: their job has no environment, no secret, no OIDC token.
        Assert.Null(scan.Node.Get("environment"));
        Assert.Equal(new Dictionary<string, string> { ["contents"] = "read" }, scan.Permissions.Scalars());
        Assert.DoesNotContain(scan.Node.AllScalars(), s => s.Value.Contains("secrets.", StringComparison.Ordinal));
        // The signing job runs only what signing needs.
        Assert.DoesNotContain(verify.Steps, s => s.Action is "aquasecurity/trivy-action" or "anchore/sbom-action" or "docker/login-action");

        var scans = scan.Steps.Where(s => s.Action == "aquasecurity/trivy-action").ToList();
        foreach (var trivy in scans)
        {
            Assert.Equal("true", trivy.With["ignore-unfixed"]);
            Assert.Equal("CRITICAL", trivy.With["severity"]);
            Assert.Equal("1", trivy.With["exit-code"]);
            // Each staged platform digest (repository@sha256:...), the platform it names.
            Assert.Equal($"${{{{ matrix.repository }}}}@${{{{ matrix.platforms['{trivy.Env["TRIVY_PLATFORM"]}'] }}}}", trivy.With["image-ref"]);
            Assert.Contains("trivy-", trivy.With["output"], StringComparison.Ordinal);
        }
        Assert.Equal(NativeRunners.CatalogPlatforms().Order(StringComparer.Ordinal), scans.Select(s => s.Env.GetValueOrDefault("TRIVY_PLATFORM")).Order(StringComparer.Ordinal));
        var summary = RunStep(scan, "trivy-*.txt");
        Assert.Equal("always()", summary.Node.Scalar("if"));
        Assert.Contains("GITHUB_STEP_SUMMARY", summary.Run, StringComparison.Ordinal);

        var sign = RunStep(verify, "cosign sign");
        var installer = verify.StepUsing("sigstore/cosign-installer");
        Assert.True(installer.Index < sign.Index);
        // Pinned, the bundle format the docs describe, and no older than v3.1.2 (fixes to the new bundle format).
        var cosign = Version.Parse(installer.With["cosign-release"].TrimStart('v'));
        Assert.True(cosign.Major == 3 && cosign >= new Version(3, 1, 2), $"cosign {cosign}: 3.x, at least v3.1.2");
        var pin = RunStep(verify, "sha256sum -c");
        Assert.True(installer.Index < pin.Index && pin.Index < sign.Index, "the cosign binary is checked against its pinned sha256 before it signs");
        Assert.Matches("^[0-9a-f]{64}$", pin.Env["COSIGN_SHA256"]);

        var provenance = verify.StepUsing("actions/attest-build-provenance");
        // Kept with GitHub's attestations API (what `gh attestation verify` reads): the action needs no registry login.
        Assert.Equal("false", provenance.With["push-to-registry"]);
        Assert.Contains("matrix.digest", provenance.With["subject-digest"], StringComparison.Ordinal);

        // One SBOM per platform digest, without file metadata.
        var sboms = scan.Steps.Where(s => s.Action == "anchore/sbom-action").ToList();
        Assert.Equal(["matrix.platforms['linux/amd64']", "matrix.platforms['linux/arm64']"],
            sboms.Select(s => PlatformExpression().Match(s.With["image"]).Value).Order(StringComparer.Ordinal));
        Assert.All(sboms, s => Assert.Equal("none", s.Env["SYFT_FILE_METADATA_SELECTION"]));
        var attach = RunStep(verify, "cosign attest");
        Assert.Contains("\"$AMD64_IMAGE\"", attach.Run, StringComparison.Ordinal);
        Assert.Contains("\"$ARM64_IMAGE\"", attach.Run, StringComparison.Ordinal);
        Assert.Contains("matrix.platforms['linux/amd64']", verify.Node.Map("env").Scalar("AMD64_IMAGE"), StringComparison.Ordinal);

        Assert.All(sboms, s => Assert.StartsWith("sbom-", s.With["artifact-name"], StringComparison.Ordinal));
        var download = RunStep(verify, "gh run download");
        Assert.True(download.Index < attach.Index);
        var check = RunStep(verify, "cosign verify ");
        Assert.True(check.Index > attach.Index && check.Index > provenance.Index);
        // `cosign verify` accepts any verified referrer (the provenance attestation too): the check names what signed.
        Assert.Contains("| grep -q '\"type\":\"https://sigstore.dev/cosign/sign/v1\"'", check.Run, StringComparison.Ordinal);
    }

    /// <summary>
    /// The scan runs on the staged digests before any tag exists, and publish (the first job that tags) needs it: a
    /// fixable CRITICAL finding leaves Docker Hub as it was before the tag.
    /// </summary>
    [Fact]
    public void The_scan_runs_on_the_staged_digests_before_anything_is_tagged()
    {
        var scan = Release.Job("scan");
        var staged = Release.Job("staged");
        var publish = Assemble().Step.Job;
        Assert.Equal("publish", publish.Id);
        Assert.True(DependsOn(publish, "scan"), "publish (the version tags) must wait for the scan");
        Assert.False(DependsOn(scan, "publish"), "the scan must not wait for the version tags");
        Assert.Equal(["staged"], scan.Needs);
        Assert.Equal("${{ fromJSON(needs.staged.outputs.targets) }}", scan.Node.Map("strategy").Map("matrix").Scalar("include"));
        // No job before publish tags anything, and only publish, sign and promote write to the registry.
        Assert.DoesNotContain(ImagetoolCall.In(Release), c => c.Command is "assemble" or "promote" && c.Step.Job.Id is "staged" or "scan");

        // The matrix comes from the stage legs' run reports, one --staged per leg, for the gate's tag; nothing holds a secret.
        var list = ImagetoolCall.In(staged).Single(c => c.Command == "staged-targets");
        Assert.Equal("${{needs.gate.outputs.tag}}", list.Value("tag"));
        Assert.Equal(NativeRunners.Legs(Release.Job("stage")).Select(l => $"$RUNNER_TEMP/staged/stage-report-{l["arch"]}.json").Order(StringComparer.Ordinal),
            list.Values("staged").Order(StringComparer.Ordinal));
        Assert.True(DependsOn(staged, "stage"));
        Assert.Equal($"${{{{ steps.{list.Step.Id}.outputs.targets }}}}", staged.Node.Map("outputs").Scalar("targets"));
        Assert.Null(staged.Node.Get("environment"));
        Assert.DoesNotContain(staged.Node.AllScalars(), s => s.Value.Contains("secrets.", StringComparison.Ordinal));

        // docs/releasing.md's order of jobs says so.
        var docs = Repo.Read(Path.Combine("docs", "releasing.md"));
        var order = docs[docs.IndexOf("## What a release does, in order", StringComparison.Ordinal)..];
        Assert.True(order.IndexOf("**Scan", StringComparison.Ordinal) is > 0 and var scanAt && scanAt < order.IndexOf("**Version tags**", StringComparison.Ordinal),
            "docs/releasing.md: the scan comes before the version tags in the order of jobs");
    }

    [GeneratedRegex(@"matrix\.platforms\['[^']+'\]")]
    private static partial Regex PlatformExpression();

    [Fact]
    public void The_verify_job_runs_the_commands_the_docs_give_users_with_the_same_identity()
    {
        var docs = Repo.Read(Path.Combine("docs", "releasing.md"));
        var section = docs[docs.IndexOf("## How users verify an image", StringComparison.Ordinal)..];
        var commands = section.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n')
            .Select(l => Regex.Replace(l.Trim(), @"\s+", " "))
            .Where(l => l.StartsWith("cosign verify", StringComparison.Ordinal) || l.StartsWith("gh attestation verify", StringComparison.Ordinal))
            .Select(l => l.Split(" |")[0].Trim())
            .ToList();
        Assert.Equal(3, commands.Count);
        var step = RunStep(Release.Job("sign"), "cosign verify ");
        // The workflow names the repository from the run's context, the docs name this one: otherwise word for word.
        Assert.DoesNotContain(DocsRepository, Release.Text, StringComparison.Ordinal);
        Assert.Contains("--repo \"$GITHUB_REPOSITORY\"", step.Run, StringComparison.Ordinal);
        var script = Regex.Replace(step.Run!, @"[ \t]+", " ").Replace("\"$GITHUB_REPOSITORY\"", DocsRepository, StringComparison.Ordinal);
        foreach (var command in commands)
            Assert.Contains(command, script, StringComparison.Ordinal);

        var identity = IdentityInDocs().Match(section);
        Assert.True(identity.Success, "docs/releasing.md sets IDENTITY='...'");
        Assert.Contains("/${{ github.repository }}/", step.Env["IDENTITY"], StringComparison.Ordinal);
        Assert.Equal(identity.Groups["regex"].Value, step.Env["IDENTITY"].Replace("${{ github.repository }}", DocsRepository, StringComparison.Ordinal));
        // Only this repository's release workflow, run for a version tag (not a branch's copy of it).
        var regex = new Regex(identity.Groups["regex"].Value);
        const string workflow = "https://github.com/Backend-Engineering-Strategy-Tools/image-tooling/.github/workflows/release.yml";
        Assert.Matches(regex, $"{workflow}@refs/tags/v1.4.0");
        Assert.Matches(regex, $"{workflow}@refs/tags/v1.4.0-rc.1");
        Assert.DoesNotMatch(regex, $"{workflow}@refs/heads/main");
        Assert.DoesNotMatch(regex, $"{workflow}@refs/heads/v1.4.0");
        Assert.DoesNotMatch(regex, "https://github.com/someone/fork/.github/workflows/release.yml@refs/tags/v1.4.0");
        Assert.Contains("cosign ≥ 3", section, StringComparison.Ordinal);
    }

    /// <summary>The repository users verify the signatures of: this one, as docs/releasing.md names it.</summary>
    private const string DocsRepository = "Backend-Engineering-Strategy-Tools/image-tooling";

    [GeneratedRegex(@"^IDENTITY='(?<regex>[^']+)'$", RegexOptions.Multiline)]
    private static partial Regex IdentityInDocs();

    [Fact]
    public void Floating_tags_move_through_imagetool_only_after_every_image_passed_verification()
    {
        var promote = Release.Job("promote");
        Assert.Contains("sign", promote.Needs);
        Assert.DoesNotContain(promote.Steps, s => s.Action == DaggerCall.DaggerAction);
        var step = RunStep(promote, "./imagetool promote");
        Assert.Contains("--run-report", step.Run, StringComparison.Ordinal);
        Assert.Equal("${{ needs.publish.outputs.report }}", step.Env["REPORT"]);
        Assert.Contains("--report \"$GITHUB_STEP_SUMMARY\"", step.Run, StringComparison.Ordinal);
    }

    [Fact]
    public void The_github_release_carries_imagetool_s_release_notes()
    {
        var job = Release.Job("github-release");
        Assert.Contains("promote", job.Needs);
        Assert.Equal("0", job.Steps[0].With["fetch-depth"]);
        var notes = RunStep(job, "./imagetool release-notes");
        var create = RunStep(job, "gh release create");
        Assert.Contains("--notes-file", create.Run, StringComparison.Ordinal);
        Assert.Equal($"${{{{ steps.{notes.Id}.outputs.latest }}}}", create.Env["LATEST"]);
        Assert.Equal($"${{{{ steps.{notes.Id}.outputs.prerelease }}}}", create.Env["PRERELEASE"]);
    }
}
