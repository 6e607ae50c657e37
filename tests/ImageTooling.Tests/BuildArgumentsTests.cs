namespace ImageTooling.Tests;

/// <summary>On the fixture catalog (tests/ImageTooling.Tests/fixtures/images).</summary>
public class BuildArgumentsTests
{
    private const string AlphaAmd64Sha = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    private static IReadOnlyDictionary<string, string> Args(string image, PlanOptions? options = null)
    {
        var catalog = Repo.Fixture();
        return BuildArguments.For(catalog, catalog.Image(image), options ?? new PlanOptions());
    }

    [Fact]
    public void A_download_is_a_table_with_one_row_per_architecture()
    {
        var rows = Args("base")["ALPHA_DOWNLOAD"].Split('\n');
        Assert.Equal(
        [
            "amd64 https://downloads.example/alpha/v3.14.15/alpha-linux-amd64 " + AlphaAmd64Sha
                + " https://downloads.example/alpha/v3.14.15/SHA256SUMS",
            "arm64 https://downloads.example/alpha/v3.14.15/alpha-linux-arm64 - https://downloads.example/alpha/v3.14.15/SHA256SUMS",
        ], rows);
    }

    [Fact]
    public void Upstream_architecture_names_come_from_the_catalog()
    {
        var rows = Args("other")["BETA_DOWNLOAD"].Split('\n');
        Assert.Equal(
        [
            "amd64 https://downloads.example/beta/0.27.1/beta-0.27.1-x86_64.tar.gz " + new string('b', 64) + " -",
            "arm64 https://downloads.example/beta/0.27.1/beta-0.27.1-aarch64.tar.gz " + new string('c', 64) + " -",
        ], rows); // no checksum file upstream: the pinned sha256 is the only source
    }

    [Fact]
    public void Without_a_pinned_hash_the_checksum_file_is_the_source()
    {
        var arm64 = Args("base")["ALPHA_DOWNLOAD"].Split('\n')[1].Split(' ');
        Assert.Equal("-", arm64[2]);
        Assert.Equal("https://downloads.example/alpha/v3.14.15/SHA256SUMS", arm64[3]);
    }

    [Fact]
    public void Debian_tools_become_apt_specs_and_only_the_layer_s_own_tools_are_passed()
    {
        var args = Args("derived");
        Assert.Equal("gamma-tool=2.7.18-*", args["GAMMA_PACKAGE"]);
        Assert.DoesNotContain("ALPHA_DOWNLOAD", args.Keys);
        Assert.Equal("gamma\tgamma --version\tgamma completion bash", args[BuildArguments.ToolboxTools]);
    }

    [Fact]
    public void A_download_mirror_rewrites_every_url()
    {
        var mirror = new PlanOptions { DownloadMirror = "http://127.0.0.1:8080/" };
        var row = Args("base", mirror)["ALPHA_DOWNLOAD"].Split('\n')[0].Split(' ');
        Assert.Equal("http://127.0.0.1:8080/downloads.example/alpha/v3.14.15/alpha-linux-amd64", row[1]);
        Assert.Equal("http://127.0.0.1:8080/downloads.example/alpha/v3.14.15/SHA256SUMS", row[3]);
    }

    [Fact]
    public void Base_images_are_passed_and_can_be_overridden()
    {
        Assert.Equal(Repo.Fixture().BaseImages["debian"], Args("other")["DEBIAN_IMAGE"]);
        var overrides = new Dictionary<string, string> { ["debian"] = "localhost/debian@sha256:1" };
        var overridden = Args("other", new PlanOptions { BaseImageOverrides = overrides });
        Assert.Equal("localhost/debian@sha256:1", overridden["DEBIAN_IMAGE"]);
    }

    [Fact]
    public void Build_arguments_are_the_same_for_every_platform()
    {
        var plan = BuildPlan.Create(Repo.Fixture(), new PlanOptions());
        foreach (var group in plan.Nodes.GroupBy(n => n.Image.Name))
            Assert.Single(group.Select(n => string.Join(";", n.BuildArgs)).Distinct());
    }
}
