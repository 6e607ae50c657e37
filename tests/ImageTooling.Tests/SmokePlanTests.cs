using ImageTooling.Catalog;

namespace ImageTooling.Tests;

/// <summary>On the fixture catalog (tests/ImageTooling.Tests/fixtures/images).</summary>
public class SmokePlanTests
{
    private static IReadOnlyList<SmokeTest> Tests(string image, string platform)
    {
        var catalog = Repo.Fixture();
        Assert.True(Platform.TryParse(platform, out var p));
        return SmokePlan.For(catalog, catalog.Image(image), p);
    }

    [Fact]
    public void Every_tool_reports_its_pinned_version()
    {
        var tests = Tests("derived", "linux/amd64");
        var alpha = tests.Single(t => t.Name == "alpha version");
        Assert.Equal("alpha --version", alpha.Run);
        Assert.Equal("alpha v3.14.15", alpha.Expect);
        Assert.Equal("gamma 2.7.18", tests.Single(t => t.Name == "gamma version").Expect);
    }

    [Theory]
    [InlineData("linux/amd64", "x86_64")]
    [InlineData("linux/arm64", "aarch64")]
    public void Every_binary_is_checked_for_the_container_s_architecture(string platform, string machine)
    {
        var tests = Tests("derived", platform);
        var arch = tests.Where(t => t.Name.EndsWith(" architecture", StringComparison.Ordinal)).ToList();
        Assert.Equal(["alpha architecture"], arch.Select(t => t.Name)); // gamma has no binary to check
        Assert.Equal("toolbox-arch /usr/local/bin/alpha", arch[0].Run);
        Assert.Equal(machine, arch[0].Expect);
        Assert.Equal(machine, tests.Single(t => t.Name == "platform").Expect);
    }

    [Fact]
    public void A_derived_image_tests_its_base_s_tools_too()
    {
        var names = Tests("derived", "linux/arm64").Select(t => t.Name).ToList();
        Assert.Contains("alpha version", names);
        Assert.Contains("gamma version", names);
        Assert.DoesNotContain("gamma version", Tests("base", "linux/arm64").Select(t => t.Name));
    }

    [Fact]
    public void Tool_tests_render_the_tool_s_version_and_keep_their_marks()
    {
        var greet = Tests("base", "linux/amd64").Single(t => t.Name == "alpha greets the user");
        Assert.Equal("alpha greet 3.14.15", greet.Run);
        Assert.Equal("hello from alpha 3.14.15", greet.Expect);
        Assert.True(greet.NeedsRealTool);
    }

    [Fact]
    public void Image_tests_may_name_tool_versions()
    {
        var help = Tests("base", "linux/amd64").Single(t => t.Name == "help lists the tools");
        Assert.Equal("alpha v3.14.15", help.Expect);
        Assert.Equal("12345:0", help.User);
    }
}
