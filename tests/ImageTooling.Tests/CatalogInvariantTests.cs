using ImageTooling.Catalog;

namespace ImageTooling.Tests;

/// <summary>
/// What must hold for the real images/catalog.yaml whatever its versions are: they pass before and after
/// a version bump, and fail when a bump (or an edit) leaves a download unverified or a tool untested.
/// The Dockerfiles' side (every Dockerfile consumes its tools' arguments) is in DockerfileTests.
/// </summary>
public class CatalogInvariantTests
{
    private static readonly ImageCatalog Catalog = Repo.Catalog();

    [Fact]
    public void The_five_images_of_the_design_are_there_with_their_bases()
    {
        string[] images = ["tooling-k8s", "tooling-k8s-aws", "tooling-k8s-openstack", "buildx", "pandoc"];
        Assert.Equal(images, Catalog.Images.Select(i => i.Name));
        Assert.Equal("tooling-k8s", Catalog.Image("tooling-k8s-aws").Base);
        Assert.Equal("tooling-k8s", Catalog.Image("tooling-k8s-openstack").Base);
        Assert.All(Catalog.Images, i => Assert.Equal(Platform.Known, i.Platforms));
    }

    [Fact]
    public void Every_version_is_exact()
    {
        foreach (var tool in Catalog.Tools.Values)
        {
            Assert.Matches(@"^[0-9][0-9A-Za-z.+~-]*$", tool.Version);
            if (tool.Source is DebianPackage debian)
            {
                Assert.Matches(@"^[a-z0-9.+-]+$", debian.Name);
                Assert.Matches(@"^[0-9][0-9A-Za-z.+~:-]*(-\*)?$", debian.Version);
            }
        }
    }

    [Fact]
    public void Every_download_is_verified_for_every_platform_it_is_built_for()
    {
        foreach (var image in Catalog.Images)
            foreach (var (tool, download) in ImageCatalog.Downloaded(Catalog.ToolsOf(image)))
            {
                Assert.Contains("{version}", download.Url);
                Assert.Contains("{arch}", download.Url);
                foreach (var platform in image.Platforms)
                {
                    var pinned = download.Sha256.ContainsKey(platform.Architecture);
                    Assert.True(pinned || download.ChecksumsUrl is not null,
                        $"{tool.Name} has neither a sha256 nor a checksum file for {platform} (image {image.Name})");
                }
            }
    }

    [Fact]
    public void Every_tool_is_in_an_image_and_smoke_tested_on_every_platform_of_it()
    {
        foreach (var tool in Catalog.Tools.Values)
            Assert.Contains(Catalog.Images, i => i.Tools.Contains(tool.Name));
        foreach (var image in Catalog.Images)
            foreach (var platform in image.Platforms)
            {
                var tests = SmokePlan.For(Catalog, image, platform);
                foreach (var tool in Catalog.AllToolsOf(image))
                {
                    var version = tests.Single(t => t.Name == $"{tool.Name} version");
                    Assert.Contains(tool.Version.Split('.')[0], version.Expect);
                    if (tool.Binary is not null)
                        Assert.Contains(tests, t => t.Name == $"{tool.Name} architecture" && t.Expect == platform.Machine);
                }
            }
    }

    [Fact]
    public void Every_expected_output_follows_the_catalog_version()
    {
        // An expectation that names the version itself instead of {version} would fail the first bump.
        foreach (var tool in Catalog.Tools.Values)
        {
            var literal = tool.Expect.Contains(tool.Version, StringComparison.Ordinal);
            Assert.False(literal, $"tool '{tool.Name}' spells its version in 'expect'; write {{version}} instead");
        }
    }
}
