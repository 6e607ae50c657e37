using ImageTooling.Catalog;

namespace ImageTooling.Tests;

public class CatalogTests
{
    [Fact]
    public void The_real_catalog_holds_the_five_images_with_their_bases()
    {
        var catalog = Repo.Catalog();
        Assert.Equal(["tooling-k8s", "tooling-k8s-aws", "tooling-k8s-openstack", "buildx", "pandoc"], catalog.Images.Select(i => i.Name));
        Assert.Equal("docker.io/best-tools", catalog.Registry);
        Assert.Equal("tooling-k8s", catalog.Image("tooling-k8s-aws").Base);
        Assert.Equal("tooling-k8s", catalog.Image("tooling-k8s-openstack").Base);
        Assert.All(catalog.Images, i => Assert.Equal(["linux/amd64", "linux/arm64"], i.Platforms.Select(p => p.ToString())));
        Assert.Equal(["kubectl", "helm", "kustomize", "argocd", "k9s", "jq", "yq"], catalog.Image("tooling-k8s").Tools);
    }

    [Fact]
    public void Every_tool_has_a_pinned_version_and_a_verified_source()
    {
        foreach (var tool in Repo.Catalog().Tools.Values)
        {
            Assert.Matches(@"^[0-9][0-9A-Za-z.+~-]*$", tool.Version);
            if (tool.Download is { } d)
            {
                Assert.Contains("{version}", d.Url);
                Assert.Contains("{arch}", d.Url);
                Assert.True(d.ChecksumsUrl is not null || (d.Sha256.ContainsKey("amd64") && d.Sha256.ContainsKey("arm64")), tool.Name);
            }
            else
            {
                Assert.Matches(@"^[a-z0-9.+-]+$", tool.Debian!.Name);
                Assert.Matches(@"^[0-9][0-9A-Za-z.+~:-]*(-\*)?$", tool.Debian.Version);
            }
        }
    }

    private static InputError LoadBroken(Func<string, string> edit) =>
        Assert.Throws<InputError>(() => CatalogLoader.Load(Repo.CopyImages(edit)));

    private static void AssertAt(InputError error, int line, string message)
    {
        Assert.Matches($@"catalog\.yaml:{line}:\d+: ", error.Message);
        Assert.Contains(message, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Malformed_yaml_names_file_line_and_column()
    {
        var text = File.ReadAllText(Path.Combine(Repo.Images, "catalog.yaml"));
        var line = Repo.LineOf(text, "    version: 4.3.0");
        var error = LoadBroken(t => t.Replace("    version: 4.3.0", "    version: \"4.3.0", 1));
        Assert.Matches($@"catalog\.yaml:{line}:\d+: malformed YAML", error.Message);
    }

    [Fact]
    public void Unknown_base_image_of_the_catalog()
    {
        var error = LoadBroken(t => t.Replace("    base: tooling-k8s\n    platforms: [linux/amd64, linux/arm64]\n    tools: [aws]", "    base: tooling-k9s\n    platforms: [linux/amd64, linux/arm64]\n    tools: [aws]", 1));
        Assert.Contains("based on unknown image 'tooling-k9s'", error.Message);
        Assert.Contains("known: tooling-k8s,", error.Message);
    }

    [Fact]
    public void A_cycle_between_images()
    {
        var error = LoadBroken(t => t
            .Replace("    from: debian\n    platforms: [linux/amd64, linux/arm64]\n    tools: [kubectl", "    base: tooling-k8s-aws\n    platforms: [linux/amd64, linux/arm64]\n    tools: [kubectl", 1));
        Assert.Contains("cycle: ", error.Message);
        Assert.Contains("tooling-k8s -> ", error.Message);
    }

    [Fact]
    public void A_tool_used_but_not_defined()
    {
        var text = File.ReadAllText(Path.Combine(Repo.Images, "catalog.yaml"));
        var error = LoadBroken(t => t.Replace("tools: [aws]", "tools: [aws, terraform]", 1));
        AssertAt(error, Repo.LineOf(text, "tools: [aws]"), "uses tool 'terraform', which the catalog does not define");
    }

    [Fact]
    public void A_duplicate_name()
    {
        var error = LoadBroken(t => t.Replace("  pandoc:\n    description:", "  buildx:\n    description:", 1));
        Assert.Matches(@"catalog\.yaml:\d+:\d+: .*[Dd]uplicate key", error.Message);
    }

    [Fact]
    public void An_image_without_platforms()
    {
        var text = File.ReadAllText(Path.Combine(Repo.Images, "catalog.yaml"));
        var error = LoadBroken(t => t.Replace("    tools: [pandoc, pdflatex, xelatex]", "    tools: [pandoc, pdflatex, xelatex]", 1)
            .Replace("    platforms: [linux/amd64, linux/arm64]\n    tools: [pandoc", "    platforms: []\n    tools: [pandoc", 1));
        AssertAt(error, Repo.LineOf(text, "    tools: [pandoc") - 1, "image 'pandoc' has no platforms");
    }

    [Fact]
    public void An_unknown_platform()
    {
        var error = LoadBroken(t => t.Replace("    platforms: [linux/amd64, linux/arm64]\n    tools: [pandoc", "    platforms: [linux/amd64, linux/riscv64]\n    tools: [pandoc", 1));
        Assert.Contains("unknown platform 'linux/riscv64' (known: linux/amd64, linux/arm64)", error.Message);
    }

    [Fact]
    public void A_download_without_a_checksum_source()
    {
        var text = File.ReadAllText(Path.Combine(Repo.Images, "catalog.yaml"));
        var error = LoadBroken(t => t.Replace("      checksums: https://github.com/argoproj/argo-cd/releases/download/v{version}/cli_checksums.txt\n", "", 1));
        AssertAt(error, Repo.LineOf(text, "      url: https://github.com/argoproj"), "the download of 'argocd' has no checksum source for amd64, arm64");
    }

    [Fact]
    public void A_malformed_sha256()
    {
        var error = LoadBroken(t => t.Replace("amd64: 8e34fc298390875de416e6a4afcb8cabeceb25d9aa8506c1a2f9353cf702ea5f", "amd64: 8e34fc29", 1));
        Assert.Contains("the sha256 of 'yq' for amd64 must be 64 lowercase hex digits", error.Message);
    }

    [Fact]
    public void A_tool_without_a_pinned_version()
    {
        var error = LoadBroken(t => t.Replace("version: 0.51.0", "version: latest", 1));
        Assert.Contains("tool 'k9s' must pin an exact version, got 'latest'", error.Message);
    }

    [Fact]
    public void A_tool_with_no_source()
    {
        var error = LoadBroken(t => t.Replace("    debian: { package: jq, version: \"1.7.1-*\" }\n", "", 1));
        Assert.Contains("tool 'jq' must come from exactly one of 'download'", error.Message);
    }

    [Fact]
    public void A_download_over_plain_http()
    {
        var error = LoadBroken(t => t.Replace("url: https://get.helm.sh", "url: http://get.helm.sh", 1));
        Assert.Contains("the download of 'helm' must use https", error.Message);
    }

    [Fact]
    public void An_unpinned_base_image()
    {
        var error = LoadBroken(t => t.Replace("@sha256:a29215f6a35e51e22adffa17f89e9d2ef06214e64a2bad10d765c46aea49f11f", "", 1));
        Assert.Contains("base image 'debian' must be pinned by tag and digest", error.Message);
    }

    [Fact]
    public void An_unknown_key_is_a_typo_not_ignored()
    {
        var error = LoadBroken(t => t.Replace("    check: k9s version --short", "    chek: k9s version --short", 1));
        Assert.Contains("unknown key 'chek' in tool 'k9s'", error.Message);
    }

    [Fact]
    public void An_image_folder_without_a_dockerfile()
    {
        var images = Repo.CopyImages();
        File.Delete(Path.Combine(images, "buildx", "Dockerfile"));
        var error = Assert.Throws<InputError>(() => CatalogLoader.Load(images));
        Assert.Contains("image 'buildx' has no readable Dockerfile", error.Message);
    }

    [Fact]
    public void A_missing_catalog()
    {
        var error = Assert.Throws<InputError>(() => CatalogLoader.Load(Path.Combine(Path.GetTempPath(), "no-such-images-dir")));
        Assert.Contains("cannot read the image catalog", error.Message);
    }

    [Fact]
    public void A_derived_image_on_a_platform_its_base_lacks()
    {
        var error = LoadBroken(t => t
            .Replace("    from: debian\n    platforms: [linux/amd64, linux/arm64]\n    tools: [kubectl", "    from: debian\n    platforms: [linux/amd64]\n    tools: [kubectl", 1));
        Assert.Contains("wants linux/arm64, which its base 'tooling-k8s' is not built for", error.Message);
    }
}
