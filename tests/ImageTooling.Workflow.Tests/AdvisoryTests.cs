namespace ImageTooling.Workflow.Tests;

/// <summary>
/// NuGet's audit: a new advisory for a pinned package never stops a release (the workflows that publish keep NU1901-NU1904
/// warnings), and a scheduled workflow reports the advisories of every pinned package, direct and transitive.
/// </summary>
public class AdvisoryTests
{
    private static readonly string[] AuditWarnings = ["NU1901", "NU1902", "NU1903", "NU1904"];

    [Theory]
    [InlineData("release.yml")]
    [InlineData("branch-images.yml")]
    [InlineData("advisories.yml")]
    public void The_audit_s_warnings_stay_warnings_in_the_workflows_that_publish_and_in_the_report(string name)
    {
        var env = WorkflowFile.Load(name).Root.Map("env").Scalars();
        Assert.True(env.TryGetValue("WarningsNotAsErrors", out var codes), $"{name}: no workflow-level WarningsNotAsErrors");
        Assert.Equal(AuditWarnings, codes.Split(';').Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_scheduled_workflow_reports_the_advisories_of_every_pinned_package_without_failing_on_them()
    {
        var workflow = WorkflowFile.Load("advisories.yml");
        Assert.Contains("schedule", workflow.On.Keys());
        Assert.NotEmpty(workflow.On.Seq("schedule")!.Children);
        Assert.Contains("workflow_dispatch", workflow.On.Keys());
        var step = workflow.Steps.Single(s => (s.Run ?? "").Contains("dotnet list", StringComparison.Ordinal));
        Assert.Contains("dotnet list ImageTooling.sln package --vulnerable --include-transitive --no-restore", step.Run, StringComparison.Ordinal);
        Assert.Contains("dotnet restore ImageTooling.sln", step.Run, StringComparison.Ordinal);
        Assert.Contains("GITHUB_STEP_SUMMARY", step.Run, StringComparison.Ordinal);
        // It holds no secret and writes nothing.
        Assert.DoesNotContain("secrets.", workflow.Text, StringComparison.Ordinal);
        Assert.All(workflow.Jobs, j => Assert.Null(j.Permissions));
    }
}
