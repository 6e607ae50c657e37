namespace ImageTooling.Workflow.Tests;

/// <summary>The workflows hold no rule of their own: tag validation, image list, Dagger version, branch tags, digests and floating tags are imagetool's.</summary>
public class RulesInImagetoolTests
{
    [Fact]
    public void No_shell_scripts_beside_the_workflows()
    {
        var scripts = Repo.PathOf(Path.Combine(".github", "scripts"));
        Assert.False(Directory.Exists(scripts) && Directory.EnumerateFiles(scripts).Any(), ".github/scripts: rules belong in imagetool (C#)");
    }

    [Theory]
    [InlineData("=~", "a regex test (the tag rule is `imagetool plan --tag`)")]
    [InlineData("catalog.yaml", "reading the catalog (`imagetool list --json`, `imagetool dagger-version`)")]
    [InlineData("yq ", "reading YAML")]
    [InlineData("awk ", "parsing text")]
    [InlineData("imagetools", "reading or copying digests (`imagetool release-targets`, `imagetool promote`)")]
    [InlineData("skopeo", "reading digests")]
    [InlineData("crane ", "reading digests")]
    [InlineData(".github/scripts", "a shell script")]
    [InlineData("| jq", "picking JSON apart")]
    [InlineData("$(jq", "picking JSON apart")]
    public void No_run_script_does_what_imagetool_owns(string fragment, string what)
    {
        foreach (var step in WorkflowFile.All().SelectMany(w => w.Steps))
            Assert.False((step.Run ?? "").Contains(fragment, StringComparison.Ordinal), $"{step}: {what} in a workflow step");
    }

    [Fact]
    public void The_workflows_call_imagetool_for_each_rule()
    {
        var scripts = string.Join("\n", WorkflowFile.All().SelectMany(w => w.Steps).Select(s => s.Run ?? ""));
        foreach (var command in new[] { "plan --tag", "list --json", "dagger-download", "branch-tag", "assemble --tag", "assemble --branch-tag", "release-targets", "promote", "release-notes", "release-gate branch", "release-gate ci", "release-gate queue", "staged-targets" })
            Assert.Contains($"./imagetool {command}", scripts, StringComparison.Ordinal);
    }
}
