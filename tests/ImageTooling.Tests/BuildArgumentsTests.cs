namespace ImageTooling.Tests;

public class BuildArgumentsTests
{
    private static IReadOnlyDictionary<string, string> Args(string image, PlanOptions? options = null)
    {
        var catalog = Repo.Catalog();
        return BuildArguments.For(catalog, catalog.Image(image), options ?? new PlanOptions());
    }

    [Fact]
    public void A_download_is_a_table_with_one_row_per_architecture()
    {
        var rows = Args("tooling-k8s")["KUBECTL_DOWNLOAD"].Split('\n');
        Assert.Equal(
        [
            "amd64 https://dl.k8s.io/release/v1.37.1/bin/linux/amd64/kubectl 65691ff77eb6fa44c908b77a1082c9f092c3b9733b5cefabec0d1104890e21a8 https://dl.k8s.io/release/v1.37.1/bin/linux/amd64/kubectl.sha256",
            "arm64 https://dl.k8s.io/release/v1.37.1/bin/linux/arm64/kubectl ff749f4b78d9c4f1ec87307df9b50119ed819e2094aa9810cb9acffc3286c8c7 https://dl.k8s.io/release/v1.37.1/bin/linux/arm64/kubectl.sha256",
        ], rows);
    }

    [Fact]
    public void Upstream_architecture_names_come_from_the_catalog()
    {
        var rows = Args("buildx")["DOCKER_DOWNLOAD"].Split('\n');
        Assert.StartsWith("amd64 https://download.docker.com/linux/static/stable/x86_64/docker-29.9.0.tgz ", rows[0]);
        Assert.StartsWith("arm64 https://download.docker.com/linux/static/stable/aarch64/docker-29.9.0.tgz ", rows[1]);
        Assert.EndsWith(" -", rows[0]); // no checksum file upstream: the pinned sha256 is the only source
    }

    [Fact]
    public void Without_a_pinned_hash_the_checksum_file_is_the_source()
    {
        var arm64 = Args("buildx")["BUILDX_DOWNLOAD"].Split('\n')[1].Split(' ');
        Assert.Equal("-", arm64[2]);
        Assert.Equal("https://github.com/docker/buildx/releases/download/v0.38.0/checksums.txt", arm64[3]);
    }

    [Fact]
    public void Debian_tools_become_apt_specs_and_only_the_layer_s_own_tools_are_passed()
    {
        var args = Args("tooling-k8s-aws");
        Assert.Equal("awscli=2.23.6-*", args["AWS_PACKAGE"]);
        Assert.DoesNotContain("KUBECTL_DOWNLOAD", args.Keys);
        Assert.Equal("aws\taws --version", args[BuildArguments.ToolboxTools]);
    }

    [Fact]
    public void A_download_mirror_rewrites_every_url()
    {
        var row = Args("tooling-k8s", new PlanOptions { DownloadMirror = "http://127.0.0.1:8080/" })["HELM_DOWNLOAD"].Split('\n')[0].Split(' ');
        Assert.Equal("http://127.0.0.1:8080/get.helm.sh/helm-v4.3.0-linux-amd64.tar.gz", row[1]);
        Assert.Equal("http://127.0.0.1:8080/get.helm.sh/helm-v4.3.0-linux-amd64.tar.gz.sha256sum", row[3]);
    }

    [Fact]
    public void Base_images_are_passed_and_can_be_overridden()
    {
        Assert.StartsWith("docker.io/library/debian:trixie-", Args("pandoc")["DEBIAN_IMAGE"]);
        var overridden = Args("pandoc", new PlanOptions { BaseImageOverrides = new Dictionary<string, string> { ["debian"] = "localhost/debian@sha256:1" } });
        Assert.Equal("localhost/debian@sha256:1", overridden["DEBIAN_IMAGE"]);
    }

    [Fact]
    public void Build_arguments_are_the_same_for_every_platform()
    {
        var plan = BuildPlan.Create(Repo.Catalog(), new PlanOptions());
        foreach (var group in plan.Nodes.GroupBy(n => n.Image.Name))
            Assert.Single(group.Select(n => string.Join(";", n.BuildArgs)).Distinct());
    }
}
