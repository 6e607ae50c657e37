using ImageTooling.Cli;

namespace ImageTooling.Tests;

public class DaggerVersionTests
{
    [Fact]
    public void The_version_is_the_catalog_s_dagger_tool_and_dagger_json_must_agree()
    {
        var catalog = Repo.Catalog();
        var pinned = catalog.Tools["dagger"].Version;
        Assert.Equal(pinned, DaggerVersion.Of(catalog, null));
        Assert.Equal(pinned, DaggerVersion.Of(catalog, $$"""{ "name": "m", "engineVersion": "v{{pinned}}" }"""));
        Assert.Equal(pinned, DaggerVersion.Of(catalog, File.ReadAllText(Path.Combine(Repo.Root, "dagger.json"))));

        var error = Assert.Throws<InputError>(() => DaggerVersion.Of(catalog, """{ "engineVersion": "v0.0.1" }"""));
        Assert.Contains($"engineVersion is 'v0.0.1' but images/catalog.yaml pins Dagger {pinned}", error.Message);
    }

    [Fact]
    public void A_version_that_is_not_x_y_z_is_refused()
    {
        var catalog = Repo.Catalog();
        var odd = catalog with { Tools = catalog.Tools.ToDictionary(t => t.Key, t => t.Key == "dagger" ? t.Value with { Version = "latest" } : t.Value) };
        var error = Assert.Throws<InputError>(() => DaggerVersion.Of(odd, null));
        Assert.Contains("tools.dagger.version is 'latest', expected X.Y.Z", error.Message);
    }
}
