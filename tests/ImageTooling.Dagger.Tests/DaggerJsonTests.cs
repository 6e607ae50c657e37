using System.Text.Json;
using ImageTooling.Catalog;

namespace ImageTooling.Dagger.Tests;

/// <summary>The module shell's dagger.json: one Dagger version for the whole project, the one the catalog pins.</summary>
public sealed class DaggerJsonTests
{
    private static JsonElement DaggerJson() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "dagger.json"))).RootElement;

    [Fact]
    public void The_engine_version_is_the_Dagger_version_pinned_in_the_catalog()
    {
        var pinned = CatalogLoader.Load(Repo.Images).Tools["dagger"].Version;
        Assert.Equal($"v{pinned}", DaggerJson().GetProperty("engineVersion").GetString());
    }

    [Fact]
    public void The_module_is_the_TypeScript_shell_in_ci_module_on_the_built_in_SDK()
    {
        var json = DaggerJson();
        Assert.Equal("image-tooling", json.GetProperty("name").GetString());
        Assert.Equal("ci/module", json.GetProperty("source").GetString());
        // Dagger's built-in TypeScript SDK: nothing is fetched, so no branch and no unpinned remote reference.
        Assert.Equal("typescript", json.GetProperty("sdk").GetProperty("source").GetString());
        Assert.False(json.TryGetProperty("dependencies", out _), "the module has no dependencies to pin");
        Assert.DoesNotContain("@", File.ReadAllText(Path.Combine(Repo.Root, "dagger.json")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Repo.Root, "ci", "module", "src", "index.ts")));
    }

    [Fact]
    public void Dagger_json_includes_everything_imagetool_is_built_from()
    {
        var include = DaggerJson().GetProperty("include").EnumerateArray().Select(e => e.GetString()!).ToList();
        var cli = Path.Combine(Repo.Root, "ci", "ImageTooling.Cli", "ImageTooling.Cli.csproj");
        var projects = new List<string>();
        void Visit(string project)
        {
            if (projects.Contains(project)) return;
            projects.Add(project);
            var text = File.ReadAllText(project);
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, "ProjectReference Include=\"([^\"]+)\""))
                Visit(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, m.Groups[1].Value)));
        }
        Visit(cli);
        foreach (var project in projects)
            Assert.Contains($"{Path.GetRelativePath(Repo.Root, Path.GetDirectoryName(project)!).Replace('\\', '/')}/**", include);
        Assert.Contains("images/**", include);
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json" })
            Assert.Contains(file, include);
        Assert.Contains("!**/bin", include);
        Assert.Contains("!**/obj", include);
    }

    [Fact]
    public void The_module_runs_imagetool_in_a_digest_pinned_dotnet_SDK_container_of_the_global_json_major_version()
    {
        var source = File.ReadAllText(Path.Combine(Repo.Root, "ci", "module", "src", "index.ts"));
        var image = System.Text.RegularExpressions.Regex.Match(source, "\"(mcr\\.microsoft\\.com/dotnet/sdk:(?<tag>[^@\"]+)@sha256:[0-9a-f]{64})\"");
        Assert.True(image.Success, "ci/module/src/index.ts names no mcr.microsoft.com/dotnet/sdk:TAG@sha256:DIGEST");
        using var global = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "global.json")));
        var major = global.RootElement.GetProperty("sdk").GetProperty("version").GetString()!.Split('.')[0];
        Assert.StartsWith($"{major}.", image.Groups["tag"].Value, StringComparison.Ordinal);
        Assert.Contains("experimentalPrivilegedNesting: true", source, StringComparison.Ordinal);
        Assert.Contains("withSecretVariable(\"REGISTRY_PASSWORD\", token)", source, StringComparison.Ordinal);
        Assert.Contains("\"--password-env\",\n      \"REGISTRY_PASSWORD\"", source, StringComparison.Ordinal);
    }

    [Fact]
    public void The_module_is_not_part_of_the_solution_build()
    {
        var solution = File.ReadAllText(Path.Combine(Repo.Root, "ImageTooling.sln"));
        Assert.DoesNotContain("ci\\module\\", solution, StringComparison.Ordinal);
        Assert.DoesNotContain("ci/module/", solution, StringComparison.Ordinal);
    }
}
