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
    public void The_module_is_the_CSharp_shell_in_ci_module()
    {
        var json = DaggerJson();
        Assert.Equal("image-tooling", json.GetProperty("name").GetString());
        Assert.Equal("ci/module", json.GetProperty("source").GetString());
        Assert.Equal("github.com/pjmagee/dagger/sdk/csharp@csharp/experimental", json.GetProperty("sdk").GetProperty("source").GetString());
        // The SDK's runtime looks for {PascalCase(name)}.csproj in the source folder.
        Assert.True(File.Exists(Path.Combine(Repo.Root, "ci", "module", "ImageTooling.csproj")));
    }

    [Fact]
    public void The_module_is_not_part_of_the_solution_build()
    {
        var solution = File.ReadAllText(Path.Combine(Repo.Root, "ImageTooling.sln"));
        Assert.DoesNotContain("ci\\module\\", solution, StringComparison.Ordinal);
        Assert.DoesNotContain("ci/module/", solution, StringComparison.Ordinal);
    }
}
