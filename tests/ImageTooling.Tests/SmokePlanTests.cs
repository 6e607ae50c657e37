using ImageTooling.Catalog;

namespace ImageTooling.Tests;

public class SmokePlanTests
{
    private static IReadOnlyList<SmokeTest> Tests(string image, string platform)
    {
        var catalog = Repo.Catalog();
        Assert.True(Platform.TryParse(platform, out var p));
        return SmokePlan.For(catalog, catalog.Image(image), p);
    }

    [Fact]
    public void Every_tool_reports_its_pinned_version()
    {
        var tests = Tests("tooling-k8s", "linux/amd64");
        var kubectl = tests.Single(t => t.Name == "kubectl version");
        Assert.Equal("kubectl version --client", kubectl.Run);
        Assert.Equal("Client Version: v1.37.1", kubectl.Expect);
        Assert.Equal("version v4.54.1", tests.Single(t => t.Name == "yq version").Expect);
    }

    [Theory]
    [InlineData("linux/amd64", "x86_64")]
    [InlineData("linux/arm64", "aarch64")]
    public void Every_binary_is_checked_for_the_container_s_architecture(string platform, string machine)
    {
        var tests = Tests("buildx", platform);
        var arch = tests.Where(t => t.Name.EndsWith(" architecture", StringComparison.Ordinal)).ToList();
        Assert.Equal(["docker architecture", "buildx architecture", "dagger architecture"], arch.Select(t => t.Name));
        Assert.All(arch, t => Assert.Equal(machine, t.Expect));
        Assert.Equal("toolbox-arch /usr/local/lib/docker/cli-plugins/docker-buildx", arch[1].Run);
        Assert.Equal(machine, tests.Single(t => t.Name == "platform").Expect);
    }

    [Fact]
    public void A_derived_image_tests_its_base_s_tools_too()
    {
        var names = Tests("tooling-k8s-aws", "linux/arm64").Select(t => t.Name).ToList();
        Assert.Contains("kubectl version", names);
        Assert.Contains("aws version", names);
    }

    [Fact]
    public void Image_tests_may_name_tool_versions()
    {
        var help = Tests("tooling-k8s", "linux/amd64").Single(t => t.Name == "toolbox-help lists the tools");
        Assert.Equal("Client Version: v1.37.1", help.Expect);
        var pdf = Tests("pandoc", "linux/amd64").Single(t => t.Name == "markdown to PDF with pdflatex");
        Assert.Contains("| pandoc | 3.1.11.1 |", pdf.Run);
        Assert.Equal("12345:0", pdf.User);
    }
}
