using System.Text.RegularExpressions;
using ImageTooling.Dagger.Tests.Simulated;

namespace ImageTooling.Dagger.Tests;

/// <summary>One publish-multi-arch v1.2.3 of every image, shared by the tests that look at what it sent.</summary>
public sealed class ReleaseRun : IAsyncLifetime
{
    internal Scenario Run { get; private set; } = null!;

    internal IReadOnlyList<PublishedImage> Published { get; private set; } = [];

    public async Task InitializeAsync() => (Run, Published) = await Runs.ReleaseAsync();

    public Task DisposeAsync()
    {
        Run.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>A whole publish-multi-arch through the real core and the Dagger engine, against the simulated session.</summary>
public sealed partial class SimulatedSessionTests(ReleaseRun release) : IClassFixture<ReleaseRun>
{
    private static readonly string[] Platforms = ["linux/amd64", "linux/arm64"];

    [Fact]
    public void Every_image_is_built_once_per_platform_from_the_images_directory_loaded_once()
    {
        var run = release.Run;

        Assert.Equal([Path.GetFullPath(Repo.Images)], run.Session.HostDirectories);
        Assert.Equal(10, run.Session.Builds.Count);
        foreach (var image in run.Plan.Catalog.Images)
        {
            var builds = run.Session.Builds.Where(b => b.Dockerfile.Split('/')[0] == image.Folder).ToList();
            Assert.Equal(Platforms, builds.Select(b => b.Platform).Order());
            var expected = image.Base is null ? image.Dockerfile : $"{image.Folder}/{DaggerEngine.ComposedDockerfile}";
            Assert.All(builds, b => Assert.Equal(expected, b.Dockerfile));
        }
        foreach (var node in run.Plan.Nodes.Where(n => n.Base is null))
        {
            var build = Assert.Single(run.Session.Builds, b => run.NodeOf(b) == node);
            Assert.Null(build.DockerfileContents);
            Assert.Equal(node.BuildArgs, build.BuildArgs);
        }
    }

    [Fact]
    public void A_derived_image_is_built_from_one_composed_Dockerfile_whose_BASE_IMAGE_is_the_base_stage()
    {
        var run = release.Run;

        var derived = run.Plan.Nodes.Where(n => n.Base is not null).ToList();
        Assert.Equal(4, derived.Count);
        foreach (var node in derived)
        {
            var build = Assert.Single(run.Session.Builds, b => run.NodeOf(b) == node);
            var text = Assert.IsType<string>(build.DockerfileContents);
            Assert.Equal("tooling-k8s", build.BuildArgs[BuildArguments.BaseImage]);

            var stages = DockerfileComposer.Stages(text);
            var baseStage = stages.ToList().FindIndex(s => s.Name == "tooling-k8s");
            Assert.True(baseStage >= 0, "the composed Dockerfile names the base's final stage tooling-k8s");
            Assert.Equal("${BASE_IMAGE}", DockerfileComposerTests.Root(stages, stages.Count - 1, baseStage + 1));
            Assert.True(baseStage < stages.Count - 1);

            // Every base stage is there, unchanged, and built with the base's own arguments.
            var baseText = File.ReadAllText(Path.Combine(Repo.Images, node.Base!.Image.Dockerfile));
            foreach (var line in baseText.Split('\n').Where(l => l.StartsWith("RUN ", StringComparison.Ordinal) || l.StartsWith("COPY ", StringComparison.Ordinal)))
                Assert.Contains(line, text, StringComparison.Ordinal);
            foreach (var (key, value) in node.Base.BuildArgs)
                Assert.Equal(value, build.BuildArgs[key]);
            // The derived layer's own arguments all arrive, under another name where the base stages would see them.
            var suffix = node.Image.Folder.ToUpperInvariant().Replace('-', '_');
            foreach (var (key, value) in node.BuildArgs)
                Assert.True(build.BuildArgs.GetValueOrDefault(key) == value || build.BuildArgs.GetValueOrDefault($"{key}__{suffix}") == value, $"{key} reaches {node.Id}");
            Assert.Equal(node.BuildArgs[BuildArguments.ToolboxTools], build.BuildArgs[$"{BuildArguments.ToolboxTools}__{suffix}"]);
            Assert.Contains($"ARG {BuildArguments.ToolboxTools}__{suffix}\n", text, StringComparison.Ordinal);
            Assert.Contains($"\"${BuildArguments.ToolboxTools}__{suffix}\"", text, StringComparison.Ordinal);
        }

        // Nothing pulls a tooling-k8s from a registry: no Container.from, no reference to the published image.
        Assert.DoesNotContain(run.Session.Requests, r => FromCall().IsMatch(r.Query));
        Assert.DoesNotContain(run.Session.Builds, b => (b.DockerfileContents ?? "").Contains("best-tools/tooling-k8s", StringComparison.Ordinal)
            || b.BuildArgs.Values.Any(v => v.Contains("best-tools/tooling-k8s", StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_smoke_test_runs_in_the_labelled_image_of_each_platform_without_its_entry_point()
    {
        var run = release.Run;

        Assert.Equal(run.Plan.Nodes.Sum(n => n.SmokeTests.Count), run.Session.Execs.Count);
        foreach (var node in run.Plan.Nodes)
        {
            var execs = run.Session.Execs.Where(e => run.NodeOf(e.Container.Build!) == node).ToList();
            foreach (var test in node.SmokeTests)
                Assert.Single(execs, e => e.Args.SequenceEqual(["/bin/sh", "-c", test.Run]) && e.User == test.User);
            Assert.All(execs, e => Assert.Equal(node.Labels, e.Container.Labels));
            Assert.All(execs, e => Assert.Equal("ANY", e.Expect));
        }
        Assert.Contains(run.Session.Requests, r => r.Query.Contains("withUser(name: $user)", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Session.Requests, r => r.Query.Contains("useEntrypoint", StringComparison.Ordinal));
    }

    [Fact]
    public void A_smoke_test_s_mount_reaches_the_engine_read_only_or_owned_by_the_test_s_user()
    {
        var run = release.Run;
        var mounted = run.Plan.Nodes.SelectMany(n => n.SmokeTests).Where(t => t.Mount is not null).ToList();
        Assert.NotEmpty(mounted);
        Assert.Equal(mounted.Count, run.Session.MountedDirectories.Count);
        foreach (var test in mounted)
        {
            var owner = test.Mount!.ReadOnly ? "" : test.User ?? "";
            Assert.Contains(run.Session.MountedDirectories, m => m.Path == test.Mount.Path && m.ReadOnly == test.Mount.ReadOnly && m.Owner == owner
                && m.Source.NewFiles.Count == test.Mount.Files.Count && test.Mount.Files.All(f => m.Source.NewFiles.GetValueOrDefault(f.Key) == f.Value));
        }
        Assert.Contains(mounted, t => t.Mount!.ReadOnly);
        Assert.Contains(mounted, t => !t.Mount!.ReadOnly);
    }

    [Fact]
    public void Each_image_is_published_once_per_tag_with_both_platforms_version_tags_first()
    {
        var (run, published) = (release.Run, release.Published);

        // Dagger pushes each version tag once; the floating tags are registry-side copies of that digest (Promotion).
        string[] floating = ["v1.2", "v1", "latest"];
        Assert.Equal(5, run.Session.Publishes.Count);
        Assert.Equal(20, published.Count);
        foreach (var image in run.Plan.Catalog.Images)
        {
            var push = Assert.Single(run.Session.Publishes, p => p.Address == $"docker.io/best-tools/{image.Name}:v1.2.3");
            Assert.Equal(Platforms, push.Variants.Select(v => v.Build!.Platform).Order());
            Assert.All(push.Variants, v => Assert.Equal(image, run.NodeOf(v.Build!).Image));
            Assert.All(push.Variants, v => Assert.Equal(run.NodeOf(v.Build!).Labels, v.Labels));
            foreach (var tag in floating.Prepend("v1.2.3"))
                Assert.Equal(push.Digest, Assert.Single(published, p => p.Repository.ToString() == $"docker.io/best-tools/{image.Name}" && p.Tag == tag).Digest);
        }
        Assert.All(published, p => Assert.Matches("^sha256:[0-9a-f]{64}$", p.Digest));
    }

    [Fact]
    public void Registry_auth_uses_a_secret_the_engine_reads_from_the_environment_and_the_token_is_in_no_request()
    {
        var run = release.Run;

        Assert.All(run.Session.Publishes, p =>
        {
            Assert.Equal(p.Address, p.AuthAddress);
            Assert.Equal("bot", p.Username);
            Assert.Equal($"env://{Scenario.TokenVariable}", p.SecretUri);
        });
        Assert.Equal([$"env://{Scenario.TokenVariable}"], run.Session.SecretUris);
        Assert.NotEmpty(run.Session.Requests);
        Assert.All(run.Session.Requests, r =>
        {
            Assert.DoesNotContain(Scenario.Token, r.Query, StringComparison.Ordinal);
            Assert.DoesNotContain(Scenario.Token, r.VariablesJson, StringComparison.Ordinal);
        });
        Assert.DoesNotContain(Scenario.Token, run.Log.ToString(), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\bfrom\s*\(")]
    private static partial Regex FromCall();
}
