using ImageTooling.Catalog;

namespace ImageTooling.Tests;

/// <summary>The catalog loader's rules, on copies of the fixture catalog with one mistake in each.</summary>
public class CatalogTests
{
    [Fact]
    public void The_fixture_loads_with_its_images_bases_and_tools()
    {
        var catalog = Repo.Fixture();
        Assert.Equal(["base", "derived", "other"], catalog.Images.Select(i => i.Name));
        Assert.Equal("registry.example/fixture", catalog.Registry);
        Assert.Equal("base", catalog.Image("derived").Base);
        Assert.Equal("debian", catalog.Image("base").From);
        Assert.Equal(["alpha", "gamma"], catalog.AllToolsOf(catalog.Image("derived")).Select(t => t.Name));
        var beta = Assert.IsType<Download>(catalog.Tools["beta"].Source);
        Assert.Equal("bin/beta", beta.ArchivePath);
        Assert.Null(beta.ChecksumsUrl);
        Assert.Equal("gamma-tool=2.7.18-*", Assert.IsType<DebianPackage>(catalog.Tools["gamma"].Source).AptSpec);
    }

    private static InputError LoadBroken(Func<string, string> edit) =>
        Assert.Throws<InputError>(() => CatalogLoader.Load(Repo.CopyFixture(edit)));

    private static void AssertAt(InputError error, int line, string message)
    {
        Assert.Matches($@"catalog\.yaml:{line}:\d+: ", error.Message);
        Assert.Contains(message, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Malformed_yaml_names_file_line_and_column()
    {
        var line = Repo.LineOf(Repo.FixtureText(), "    version: 0.27.1");
        var error = LoadBroken(t => t.Replace("    version: 0.27.1", "    version: \"0.27.1", 1));
        Assert.Matches($@"catalog\.yaml:{line}:\d+: malformed YAML", error.Message);
    }

    [Fact]
    public void Unknown_base_image_of_the_catalog()
    {
        var error = LoadBroken(t => t.Replace("    base: base\n", "    base: bass\n", 1));
        Assert.Contains("based on unknown image 'bass'", error.Message);
        Assert.Contains("known: base, derived, other", error.Message);
    }

    [Fact]
    public void A_cycle_between_images()
    {
        var error = LoadBroken(t => t.Replace("    from: debian\n    platforms: [linux/amd64, linux/arm64]\n    tools: [alpha]",
            "    base: derived\n    platforms: [linux/amd64, linux/arm64]\n    tools: [alpha]", 1));
        Assert.Contains("cycle: ", error.Message);
        Assert.Contains("base -> derived -> base", error.Message);
    }

    [Fact]
    public void A_tool_used_but_not_defined()
    {
        var error = LoadBroken(t => t.Replace("tools: [gamma]", "tools: [gamma, terraform]", 1));
        AssertAt(error, Repo.LineOf(Repo.FixtureText(), "tools: [gamma]"), "uses tool 'terraform', which the catalog does not define");
    }

    [Fact]
    public void A_duplicate_name()
    {
        var error = LoadBroken(t => t.Replace("  other:\n    description:", "  base:\n    description:", 1));
        Assert.Matches(@"catalog\.yaml:\d+:\d+: .*[Dd]uplicate key", error.Message);
    }

    [Fact]
    public void An_image_without_platforms()
    {
        const string platforms = "    platforms: [linux/amd64, linux/arm64]\n    tools: [beta]";
        var error = LoadBroken(t => t.Replace(platforms, "    platforms: []\n    tools: [beta]", 1));
        AssertAt(error, Repo.LineOf(Repo.FixtureText(), "    tools: [beta]") - 1, "image 'other' has no platforms");
    }

    [Fact]
    public void An_unknown_platform()
    {
        const string platforms = "    platforms: [linux/amd64, linux/arm64]\n    tools: [beta]";
        var error = LoadBroken(t => t.Replace(platforms, "    platforms: [linux/amd64, linux/riscv64]\n    tools: [beta]", 1));
        Assert.Contains("unknown platform 'linux/riscv64' (known: linux/amd64, linux/arm64)", error.Message);
    }

    [Fact]
    public void A_download_without_a_checksum_source()
    {
        var error = LoadBroken(t => t.Replace("      checksums: https://downloads.example/alpha/v{version}/SHA256SUMS\n", "", 1));
        AssertAt(error, Repo.LineOf(Repo.FixtureText(), "      url: https://downloads.example/alpha"),
            "the download of 'alpha' has no checksum source for arm64");
    }

    [Fact]
    public void A_malformed_sha256()
    {
        var error = LoadBroken(t => t.Replace("amd64: " + new string('b', 64), "amd64: bbbbbbbb", 1));
        Assert.Contains("the sha256 of 'beta' for amd64 must be 64 lowercase hex digits", error.Message);
    }

    [Fact]
    public void A_tool_without_a_pinned_version()
    {
        var error = LoadBroken(t => t.Replace("version: 0.27.1", "version: latest", 1));
        Assert.Contains("tool 'beta' must pin an exact version, got 'latest'", error.Message);
    }

    [Fact]
    public void A_tool_with_no_source()
    {
        var error = LoadBroken(t => t.Replace("    debian: { package: gamma-tool, version: \"2.7.18-*\" }\n", "", 1));
        Assert.Contains("tool 'gamma' must come from exactly one of 'download'", error.Message);
    }

    [Fact]
    public void A_download_over_plain_http()
    {
        var error = LoadBroken(t => t.Replace("url: https://downloads.example/beta", "url: http://downloads.example/beta", 1));
        Assert.Contains("the download of 'beta' must use https", error.Message);
    }

    [Fact]
    public void A_checksum_file_over_plain_http()
    {
        var line = Repo.LineOf(Repo.FixtureText(), "      url: https://downloads.example/alpha");
        var error = LoadBroken(t => t.Replace("checksums: https://downloads.example/alpha", "checksums: http://downloads.example/alpha", 1));
        AssertAt(error, line, "the checksum file of 'alpha' must use https, got 'http://downloads.example/alpha/v{version}/SHA256SUMS'");
    }

    [Fact]
    public void An_upper_case_sha256_pin()
    {
        var line = Repo.LineOf(Repo.FixtureText(), "        amd64: bbbb");
        var error = LoadBroken(t => t.Replace("amd64: bbbb", "amd64: BBBB", 1));
        AssertAt(error, line, "the sha256 of 'beta' for amd64 must be 64 lowercase hex digits");
    }

    [Fact]
    public void Smoke_tests_know_the_tool_they_need_and_their_mounts_share_files_through_yaml_aliases()
    {
        var catalog = Repo.Fixture();
        var greets = Assert.Single(catalog.Tools["alpha"].Smoke);
        Assert.True(greets.NeedsRealTool);
        Assert.Equal("alpha", greets.Tool);
        var tests = catalog.Image("base").Smoke.ToDictionary(t => t.Name);
        Assert.Null(tests["help lists the tools"].Tool);
        Assert.False(tests["help lists the tools"].NeedsRealTool);
        var readOnly = tests["alpha reads a read-only mounted config"];
        Assert.Equal(("alpha", true), (readOnly.Tool, readOnly.NeedsRealTool));
        Assert.Equal(new SmokeMount("/mnt/alpha", true, readOnly.Mount!.Files), readOnly.Mount);
        Assert.Equal(readOnly.Mount.Files, tests["alpha writes to a writable mounted config"].Mount!.Files);
        Assert.Equal("gamma completion bash", catalog.Tools["gamma"].Completion);
    }

    [Theory]
    [InlineData("needs-real-tool: alpha\n        mount:\n          path: /mnt/alpha\n          read-only: true", "needs-real-tool: omega\n        mount:\n          path: /mnt/alpha\n          read-only: true", "needs-real-tool of an image's smoke test names the tool it needs (one of: alpha, beta, gamma), got 'omega'")]
    [InlineData("needs-real-tool: alpha\n        mount:\n          path: /mnt/alpha\n          read-only: true", "needs-real-tool: true\n        mount:\n          path: /mnt/alpha\n          read-only: true", "names the tool it needs")]
    [InlineData("needs-real-tool: true", "needs-real-tool: alpha", "needs-real-tool must be true or false, got 'alpha'")]
    [InlineData("path: /mnt/alpha\n          read-only: true", "path: mnt/alpha\n          read-only: true", "must be an absolute path below /, got 'mnt/alpha'")]
    [InlineData("read-only: true", "read-only: yes please", "read-only must be true or false, got 'yes please'")]
    [InlineData("            settings: &alpha", "            ../settings: &alpha", "a mounted file name is one path segment")]
    public void Smoke_test_mistakes_are_refused_where_they_are(string from, string to, string message)
    {
        var line = Repo.LineOf(Repo.FixtureText(), from.Split('\n')[0]);
        var error = LoadBroken(t => t.Replace(from, to, 1));
        Assert.Matches($@"catalog\.yaml:{line}:\d+: ", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void An_unpinned_base_image()
    {
        var digest = "@sha256:" + string.Concat(Enumerable.Repeat("0123456789abcdef", 4));
        var error = LoadBroken(t => t.Replace(digest, "", 1));
        Assert.Contains("base image 'debian' must be pinned by tag and digest", error.Message);
    }

    [Fact]
    public void An_unknown_key_is_a_typo_not_ignored()
    {
        var error = LoadBroken(t => t.Replace("    check: beta version", "    chek: beta version", 1));
        Assert.Contains("unknown key 'chek' in tool 'beta'", error.Message);
    }

    [Fact]
    public void An_image_folder_without_a_dockerfile()
    {
        var images = Repo.CopyFixture();
        File.Delete(Path.Combine(images, "other", "Dockerfile"));
        var error = Assert.Throws<InputError>(() => CatalogLoader.Load(images));
        Assert.Contains("image 'other' has no readable Dockerfile", error.Message);
    }

    [Fact]
    public void A_missing_catalog()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-images-dir");
        var error = Assert.Throws<InputError>(() => CatalogLoader.Load(missing));
        Assert.Contains("cannot read the image catalog", error.Message);
    }

    [Fact]
    public void A_derived_image_on_a_platform_its_base_lacks()
    {
        var error = LoadBroken(t => t.Replace("    from: debian\n    platforms: [linux/amd64, linux/arm64]\n    tools: [alpha]",
            "    from: debian\n    platforms: [linux/amd64]\n    tools: [alpha]", 1));
        Assert.Contains("wants linux/arm64, which its base 'base' is not built for", error.Message);
    }
}
