namespace ImageTooling.Tests;

/// <summary>The imagetool command line, run as a real process: exit codes, one-line errors, and what it prints.</summary>
public class CliTests
{
    private static (int Exit, string Out, string Err) Imagetool(IDictionary<string, string?>? env, params string[] args)
    {
        var result = ImageTooling.Testing.Imagetool.Run(env, null, args);
        return (result.Exit, result.Out, result.Err);
    }

    private static (int Exit, string Out, string Err) Run(params string[] args) => Imagetool(null, args);

    [Fact]
    public void List_shows_the_five_images_with_tools_and_versions()
    {
        var (exit, output, _) = Run("list");
        Assert.Equal(0, exit);
        foreach (var image in new[] { "tooling-k8s", "tooling-k8s-aws", "tooling-k8s-openstack", "buildx", "pandoc" })
            Assert.Contains($"{image}  (docker.io/best-tools/{image};", output);
        Assert.Matches(@"kubectl\s+1\.37\.1", output);
        Assert.Matches(@"pandoc\s+3\.1\.11\.1", output);
    }

    [Fact]
    public void The_readme_table_is_the_catalog_s_markdown_list()
    {
        var (exit, table, _) = Run("list", "--markdown");
        Assert.Equal(0, exit);
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "README.md"));
        Assert.Contains(table.Trim(), readme);
    }

    [Fact]
    public void Plan_for_a_release_shows_ten_builds_and_four_tags_per_image()
    {
        var (exit, output, _) = Run("plan", "--tag", "v1.2.3", "--offline"); // no registry read: a unit test needs no network
        Assert.Equal(0, exit);
        Assert.Contains("Plan for v1.2.3: 10 builds", output);
        Assert.Contains("docker.io/best-tools/tooling-k8s-aws: v1.2.3, v1.2, v1, latest  [linux/amd64, linux/arm64]", output);
        Assert.Matches(@"tooling-k8s-aws linux/arm64 .* on tooling-k8s linux/arm64 \(built in this run\)", output);
    }

    [Fact]
    public void Plan_for_a_pre_release_has_only_its_tag()
    {
        var (exit, output, _) = Run("plan", "--tag", "v1.2.3-rc.1");
        Assert.Equal(0, exit);
        Assert.Contains("docker.io/best-tools/pandoc: v1.2.3-rc.1  [", output);
        Assert.Contains("docker.io/best-tools/pandoc:latest stays: v1.2.3-rc.1 is a pre-release", output);
        Assert.DoesNotContain(" moves", output);
    }

    [Fact]
    public void Plan_says_when_the_registry_s_tags_cannot_be_read_instead_of_guessing()
    {
        var (exit, output, _) = Run("plan", "--tag", "v1.2.3", "--image", "pandoc", "--registry", "127.0.0.1:9/nothing-listens-here");
        Assert.Equal(0, exit);
        Assert.Contains("Floating tags: not decided, the registry's tags could not be read", output);
        Assert.DoesNotContain(" moves: ", output);
    }

    [Fact]
    public void Plan_prints_json()
    {
        var (exit, output, _) = Run("plan", "--tag", "v1.2.3", "--json");
        Assert.Equal(0, exit);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal(10, json.RootElement.GetProperty("nodes").GetArrayLength());
    }

    [Theory]
    [InlineData("'1.2' is not a release tag: expected vMAJOR.MINOR.PATCH", "plan", "--tag", "1.2")]
    [InlineData("unknown image 'nope' (valid: tooling-k8s, tooling-k8s-aws, tooling-k8s-openstack, buildx, pandoc)", "plan", "--image", "nope")]
    [InlineData("unknown platform 'linux/386'", "build", "--platform", "linux/386")]
    [InlineData("unknown engine 'docker'", "build", "--engine", "docker")]
    [InlineData("--engine dagger needs a Dagger session", "test", "--engine", "dagger")]
    [InlineData("--jobs must be at least 1", "build", "--jobs", "0")]
    [InlineData("Unrecognized command or argument '--frobnicate'", "plan", "--frobnicate")]
    [InlineData("cannot read the image catalog", "list", "--images-dir", "/nonexistent")]
    public void Bad_input_is_one_line_and_exit_code_2(string message, params string[] args)
    {
        var (exit, output, error) = Run(args);
        Assert.Equal(2, exit);
        Assert.Contains(message, error);
        Assert.StartsWith("error: ", error);
        Assert.DoesNotContain("   at ", error); // no stack trace
        Assert.Equal("", output);
    }

    [Fact]
    public void A_catalog_with_a_mistake_fails_naming_file_and_line()
    {
        var images = Repo.CopyImages(t => t.Replace("tools: [aws]", "tools: [aws, nope]", 1));
        var (exit, _, error) = Run("list", "--images-dir", images);
        Assert.Equal(2, exit);
        Assert.Matches(@"^error: .*catalog\.yaml:\d+:\d+: image 'tooling-k8s-aws' uses tool 'nope'", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void An_unreadable_dockerfile_folder_is_bad_input()
    {
        var images = Repo.CopyImages();
        Directory.Delete(Path.Combine(images, "pandoc"), recursive: true);
        var (exit, _, error) = Run("build", "--images-dir", images, "--image", "pandoc");
        Assert.Equal(2, exit);
        Assert.Contains("image 'pandoc' has no readable Dockerfile", error);
    }

    [Fact]
    public void Publish_without_credentials_fails_before_building()
    {
        var (exit, output, error) = Imagetool(new Dictionary<string, string?> { ["REGISTRY_USERNAME"] = null, ["REGISTRY_PASSWORD"] = null },
            "publish-multi-arch", "--tag", "v1.2.3");
        Assert.Equal(2, exit);
        Assert.Contains("missing credentials", error);
        Assert.DoesNotContain("[build]", output);
    }

    [Fact]
    public void Publish_refuses_a_token_variable_that_is_not_set()
    {
        var (exit, _, error) = Imagetool(new Dictionary<string, string?> { ["MY_TOKEN"] = null }, "publish-multi-arch", "--tag", "v1.2.3", "--username", "bot", "--password-env", "MY_TOKEN");
        Assert.Equal(2, exit);
        Assert.Contains("the environment variable MY_TOKEN is not set", error);
    }

    [Fact]
    public void Help_reads_well()
    {
        var (exit, output, _) = Run("--help");
        Assert.Equal(0, exit);
        foreach (var command in new[] { "list", "plan", "build", "test", "publish-multi-arch" })
            Assert.Contains(command, output);
        var (_, publish, _) = Run("publish-multi-arch", "--help");
        Assert.Contains("--tag", publish);
        Assert.Contains("--password-env", publish);
    }
}
