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

    /// <summary>
    /// `include` shapes only the module's own context (the module source the engine loads), not the `source` argument:
    /// a `defaultPath: "/"` directory is the repository root minus the argument's ignore list (core/modfunc.go,
    /// core/modulesource.go at v0.21.8). So dagger.json lists nothing; what `source` carries is ModuleSourceTests' business.
    /// </summary>
    [Fact]
    public void Dagger_json_adds_nothing_to_the_module_context()
    {
        Assert.False(DaggerJson().TryGetProperty("include", out _), "dagger.json's include would upload files the module's TypeScript never reads");
        Assert.True(DaggerJson().GetProperty("disableDefaultFunctionCaching").GetBoolean());
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
        Assert.Contains("dag.cacheVolume(\"image-tooling-nuget\")", source, StringComparison.Ordinal);
        Assert.Contains("withSecretVariable(\"REGISTRY_PASSWORD\", token)", source, StringComparison.Ordinal);
        Assert.Contains("\"--password-env\", \"REGISTRY_PASSWORD\"", source, StringComparison.Ordinal);
    }

    [Fact]
    public void The_module_is_not_part_of_the_solution_build()
    {
        var solution = File.ReadAllText(Path.Combine(Repo.Root, "ImageTooling.sln"));
        Assert.DoesNotContain("ci\\module\\", solution, StringComparison.Ordinal);
        Assert.DoesNotContain("ci/module/", solution, StringComparison.Ordinal);
    }
}
