namespace ImageTooling.Workflow.Tests;

public class ReleaseWorkflowTests
{
    private static readonly WorkflowFile Release = WorkflowFile.Load("release.yml");

    private static DaggerCall Publish() => DaggerCall.In(Release).Single(c => c.Function == "publish-multi-arch");

    [Fact]
    public void The_release_tag_is_validated_from_the_pushed_ref_before_anything_runs()
    {
        var job = Publish().Step.Job;
        var validate = job.Steps.Single(s => s.Env.GetValueOrDefault("TAG") == "${{ github.ref_name }}");
        Assert.Contains("=~", validate.Run, StringComparison.Ordinal);
        Assert.True(validate.Index < Publish().Step.Index);
        Assert.Equal($"${{{{steps.{validate.Id}.outputs.tag}}}}", Publish().Value("tag"));
    }

    [Fact]
    public void Dagger_publishes_the_version_tags_first_and_leaves_floating_tags_to_promotion()
    {
        var publish = Publish();
        Assert.True(publish.Has("no-floating-tags"), "floating tags move only after the scan: see the comment in release.yml");
        Assert.False(publish.Has("force"), "a release never overwrites an existing release tag");
        Assert.False(publish.Has("branch-tag"));
        Assert.Equal("publish", publish.Step.Job.Id);
    }

    [Fact]
    public void The_published_table_goes_to_the_job_summary()
    {
        var publish = Publish().Step;
        Assert.NotNull(publish.Id);
        var summary = publish.Job.Steps.Skip(publish.Index + 1)
            .Where(s => s.Env.Values.Contains($"${{{{ steps.{publish.Id}.outputs.output }}}}"))
            .ToList();
        Assert.Contains(summary, s => (s.Run ?? "").Contains("GITHUB_STEP_SUMMARY", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_published_digest_is_scanned_then_signed_attested_and_given_an_sbom()
    {
        var verify = Release.Job("verify");
        Assert.Contains("publish", verify.Needs);
        Assert.Contains("needs.publish.outputs.", verify.Node.Map("strategy").Map("matrix").Scalar("include"), StringComparison.Ordinal);

        var scans = verify.Steps.Where(s => s.Action == "aquasecurity/trivy-action").ToList();
        Assert.NotEmpty(scans);
        foreach (var scan in scans)
        {
            Assert.Equal("true", scan.With["ignore-unfixed"]);
            Assert.Equal("CRITICAL", scan.With["severity"]);
            Assert.Equal("1", scan.With["exit-code"]);
            Assert.Contains("matrix.digest", scan.With["image-ref"], StringComparison.Ordinal);
        }
        Assert.Equal(["linux/amd64", "linux/arm64"], scans.Select(s => s.Env.GetValueOrDefault("TRIVY_PLATFORM")).Order(StringComparer.Ordinal));

        var sign = verify.Steps.Single(s => (s.Run ?? "").Contains("cosign sign", StringComparison.Ordinal));
        Assert.True(scans.All(s => s.Index < sign.Index), "the scan gates the signature");
        Assert.True(verify.StepUsing("sigstore/cosign-installer").Index < sign.Index);

        var provenance = verify.StepUsing("actions/attest-build-provenance");
        Assert.Equal("true", provenance.With["push-to-registry"]);
        Assert.Contains("matrix.digest", provenance.With["subject-digest"], StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(provenance.With["subject-name"]));

        var sbom = verify.StepUsing("anchore/sbom-action");
        Assert.Contains("matrix.digest", sbom.With["image"], StringComparison.Ordinal);
        Assert.Contains(verify.Steps, s => s.Index > sbom.Index && (s.Run ?? "").Contains("cosign attest", StringComparison.Ordinal));
    }

    [Fact]
    public void Floating_tags_move_only_after_every_image_passed_verification_and_without_a_rebuild()
    {
        var promote = Release.Job("promote");
        Assert.Contains("verify", promote.Needs);
        Assert.DoesNotContain(promote.Steps, s => s.Action == DaggerCall.DaggerAction);
        Assert.Contains(promote.Steps, s => (s.Run ?? "").Contains("imagetools create", StringComparison.Ordinal)
            && s.Env.Values.Any(v => v.Contains("needs.publish.outputs.targets", StringComparison.Ordinal)));
    }

    [Fact]
    public void Digests_come_from_the_registry_for_the_images_the_core_plans()
    {
        var publish = Release.Job("publish");
        Assert.Contains(publish.Steps, s => (s.Run ?? "").Contains("plan --tag", StringComparison.Ordinal));
        var targets = publish.Steps.Single(s => (s.Run ?? "").Contains("release-targets.sh", StringComparison.Ordinal));
        Assert.True(targets.Index > Publish().Step.Index);
        Assert.Equal($"${{{{ steps.{targets.Id}.outputs.targets }}}}", publish.Node.Map("outputs").Scalar("targets"));
    }
}
