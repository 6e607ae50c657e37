using ImageTooling.Catalog;
namespace ImageTooling.Tests;

/// <summary>
/// Per-platform staging and registry-side assembly on a stand-in engine and registry (Fakes.cs): each platform runner
/// stages its variants by digest, and assembly makes the release only from a complete, matching set.
/// </summary>
public class StagingTests
{
    private static readonly RegistryCredentials Credentials = new("bot", new Secret("s3cr3t-value"));

    private static BuildPlan Plan(params string[] platforms) =>
        BuildPlan.Create(Repo.Fixture(), new PlanOptions { Release = ReleaseTag.Parse("v1.2.3"), Platforms = platforms });

    private static Pipeline NewPipeline(FakeEngine engine) => new(engine, new StringWriter(), jobs: 2);

    /// <summary>Assembly needs no engine: the registry and the credentials only.</summary>
    private static ReleaseAssembly Assemble(FakeRegistry registry) => new(registry, Credentials, new StringWriter());

    /// <summary>Two "runners", one per platform, staging into the same registry.</summary>
    private static async Task<(FakeRegistry Registry, List<StagedImage> Staged)> StageBothAsync(FakeRegistry? registry = null, string build = "staged")
    {
        registry ??= new FakeRegistry();
        var staged = new List<StagedImage>();
        foreach (var platform in Platform.Known)
            staged.AddRange(await NewPipeline(new FakeEngine { StagedBuild = build }).StageAsync(Plan(platform.ToString()), registry, Credentials, CancellationToken.None).Staged());
        return (registry, staged);
    }

    [Fact]
    public async Task Staging_pushes_every_image_of_its_platform_by_digest_and_tags_nothing()
    {
        var registry = new FakeRegistry();
        var plan = Plan("linux/arm64");
        var staged = await NewPipeline(new FakeEngine()).StageAsync(plan, registry, Credentials, CancellationToken.None).Staged();
        Assert.Equal(plan.Publish.Select(p => p.Image.Name).Order(), staged.Select(s => s.Image).Order());
        Assert.All(staged, s => Assert.Equal(Platform.LinuxArm64, s.Platform));
        Assert.All(staged, s => Assert.Equal(plan.Nodes.Single(n => n.Image.Name == s.Image).Labels[InputsDigest.Label], s.InputsDigest));
        Assert.Empty(registry.Tags);
        Assert.Equal(staged.Count, registry.Digests.Count);
    }

    [Fact]
    public async Task Assembly_puts_one_index_of_every_platform_under_the_version_tag_then_moves_the_floating_tags()
    {
        var (registry, staged) = await StageBothAsync();
        var plan = Plan();
        var published = await Assemble(registry).RunAsync(plan, staged, force: false, CancellationToken.None).Published();
        foreach (var target in plan.Publish)
        {
            var index = registry.Tags[target.Reference("v1.2.3").ToString()];
            Assert.Equal([Platform.LinuxAmd64, Platform.LinuxArm64], index.Manifests.Select(m => m.Platform));
            Assert.Equal(index.Digest, registry.Tags[target.Reference("latest").ToString()].Digest);
        }
        var calls = registry.Calls.Where(c => c.StartsWith("index ", StringComparison.Ordinal) || c.StartsWith("tag ", StringComparison.Ordinal)).ToList();
        Assert.True(calls.FindLastIndex(c => c.StartsWith("index ", StringComparison.Ordinal)) < calls.FindIndex(c => c.StartsWith("tag ", StringComparison.Ordinal)),
            "every version tag lands before any floating tag moves");
        Assert.All(published.Where(p => p.Floating is null), p => Assert.Equal(2, p.Platforms.Count));
    }

    [Fact]
    public async Task Assembling_the_same_staged_digests_again_changes_nothing()
    {
        var (registry, staged) = await StageBothAsync();
        await Assemble(registry).RunAsync(Plan(), staged, force: false, CancellationToken.None).Published();
        var before = registry.Tags.ToDictionary(t => t.Key, t => t.Value.Digest);
        registry.Calls.Clear();
        var again = await Assemble(registry).RunAsync(Plan(), staged, force: false, CancellationToken.None).Published();
        Assert.All(again.Where(p => p.Floating is null), p => Assert.True(p.Unchanged));
        Assert.DoesNotContain(registry.Calls, c => c.StartsWith("index ", StringComparison.Ordinal));
        Assert.Equal(before, registry.Tags.ToDictionary(t => t.Key, t => t.Value.Digest));
    }

    /// <summary>"Re-run all jobs" after a release was tagged: the runners build the same inputs again, to other digests.</summary>
    [Fact]
    public async Task Assembling_a_new_staging_of_the_same_inputs_keeps_the_release_as_it_is()
    {
        var (registry, staged) = await StageBothAsync();
        await Assemble(registry).RunAsync(Plan(), staged, force: false, CancellationToken.None).Published();
        var before = registry.Tags.ToDictionary(t => t.Key, t => t.Value.Digest);
        var (_, restaged) = await StageBothAsync(registry, build: "rebuilt");
        Assert.Empty(restaged.Select(s => s.Digest).Intersect(staged.Select(s => s.Digest)));
        registry.Calls.Clear();
        var again = await Assemble(registry).RunAsync(Plan(), restaged, force: false, CancellationToken.None).Published();
        Assert.All(again.Where(p => p.Floating is null), p => Assert.True(p.Unchanged));
        Assert.DoesNotContain(registry.Calls, c => c.StartsWith("index ", StringComparison.Ordinal));
        Assert.Equal(before, registry.Tags.ToDictionary(t => t.Key, t => t.Value.Digest));
    }

    [Fact]
    public async Task The_staged_digests_of_every_platform_are_listed_per_image_before_any_tag()
    {
        var (registry, staged) = await StageBothAsync();
        var plan = Plan();
        var targets = StagedTargets.For(plan, staged);
        Assert.Equal(plan.Publish.Select(p => (p.Image.Name, p.Repository)), targets.Select(t => (t.Image, t.Repository)));
        foreach (var target in targets)
        {
            Assert.Equal([Platform.LinuxAmd64, Platform.LinuxArm64], target.Platforms.Keys);
            foreach (var (platform, digest) in target.Platforms)
                Assert.Equal(staged.Single(s => s.Image == target.Image && s.Platform == platform).Digest, digest);
        }
        Assert.Empty(registry.Tags);
    }

    [Fact]
    public async Task The_staged_digests_are_not_listed_unless_every_platform_was_staged_once_in_its_repository()
    {
        var (_, staged) = await StageBothAsync();
        var missing = Assert.Throws<InputError>(() => StagedTargets.For(Plan(), staged.Where(s => s.Platform == Platform.LinuxAmd64).ToList()));
        Assert.Contains("linux/arm64: nothing staged (stage it with: imagetool stage --platform linux/arm64)", missing.Message);
        var first = staged[0];
        var twice = Assert.Throws<InputError>(() => StagedTargets.For(Plan(), [.. staged, first with { Digest = "sha256:" + new string('f', 64) }]));
        Assert.Contains($"{first.Image} {first.Platform}: staged more than once with different digests", twice.Message);
        var elsewhere = Assert.Throws<InputError>(() => StagedTargets.For(Plan(), [.. staged.Skip(1), first with { Repository = ImageReference.Parse("docker.io/someone/else") }]));
        Assert.Contains($"{first.Image} {first.Platform}: staged in docker.io/someone/else, not in", elsewhere.Message);
        Assert.Throws<InputError>(() => StagedTargets.For(BuildPlan.Create(Repo.Fixture(), new PlanOptions()), staged));
    }

    /// <summary>The scan job's matrix: the command line reads the stage legs' run reports and prints one entry per image.</summary>
    [Fact]
    public async Task The_staged_targets_command_prints_the_scan_matrix_from_the_stage_reports()
    {
        var (_, staged) = await StageBothAsync();
        var files = new List<string>();
        try
        {
            foreach (var platform in Platform.Known)
            {
                var file = Path.GetTempFileName();
                files.Add(file);
                var report = new ImageTooling.Reporting.RunReport(1, "stage", "fake", true, new ImageTooling.Reporting.RunTiming(0, 0, 0, 0, 0), [], [])
                { Staged = staged.Where(s => s.Platform == platform).ToList() };
                File.WriteAllText(file, report.ToJson());
            }
            var listed = InProcessImagetool.Run(["staged-targets", "--tag", "v1.2.3", "--images-dir", Repo.FixtureImages, .. files.SelectMany(f => new[] { "--staged", f })]);
            Assert.Equal(0, listed.Exit);
            using var json = System.Text.Json.JsonDocument.Parse(listed.Out);
            var first = json.RootElement[0];
            var expected = staged.Where(s => s.Image == first.GetProperty("image").GetString()).ToList();
            Assert.Equal(expected[0].Repository.ToString(), first.GetProperty("repository").GetString());
            Assert.Equal(expected.ToDictionary(s => s.Platform.ToString(), s => s.Digest), first.GetProperty("platforms").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
            Assert.Equal(Plan().Publish.Count, json.RootElement.GetArrayLength());

            var one = InProcessImagetool.Run("staged-targets", "--tag", "v1.2.3", "--images-dir", Repo.FixtureImages, "--staged", files[0]);
            Assert.Equal(2, one.Exit);
            Assert.Contains("linux/arm64: nothing staged", one.Err, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var file in files) File.Delete(file);
        }
    }

    [Fact]
    public async Task A_missing_platform_is_refused_with_nothing_tagged()
    {
        var registry = new FakeRegistry();
        var staged = await NewPipeline(new FakeEngine()).StageAsync(Plan("linux/amd64"), registry, Credentials, CancellationToken.None).Staged();
        var refused = await Assert.ThrowsAsync<InputError>(() =>
            Assemble(registry).RunAsync(Plan(), staged, force: false, CancellationToken.None));
        Assert.Contains("linux/arm64: nothing staged", refused.Message);
        Assert.Contains("nothing was tagged", refused.Message);
        Assert.Empty(registry.Tags);
    }

    [Fact]
    public async Task A_platform_staged_from_other_inputs_is_refused_with_nothing_tagged()
    {
        var (registry, staged) = await StageBothAsync();
        var foreign = staged[0];
        registry.Digests[$"{foreign.Repository}@{foreign.Digest}"] = new RemoteIndex(foreign.Digest,
            [new RemoteManifest(foreign.Platform, foreign.Digest, "sha256:config") { Inputs = "sha256:an-older-commit" }])
        { IsPlainManifest = true };
        var refused = await Assert.ThrowsAsync<InputError>(() =>
            Assemble(registry).RunAsync(Plan(), staged, force: false, CancellationToken.None));
        Assert.Contains($"{foreign.Image} {foreign.Platform}: {foreign.Repository}@{foreign.Digest} was built from other inputs (sha256:an-older-commit", refused.Message);
        Assert.Empty(registry.Tags);
    }

    [Fact]
    public async Task A_staged_digest_the_registry_does_not_hold_is_refused()
    {
        var (registry, staged) = await StageBothAsync();
        registry.Digests.Remove($"{staged[0].Repository}@{staged[0].Digest}");
        var refused = await Assert.ThrowsAsync<InputError>(() =>
            Assemble(registry).RunAsync(Plan(), staged, force: false, CancellationToken.None));
        Assert.Contains($"{staged[0].Repository}@{staged[0].Digest} is not in the registry", refused.Message);
        Assert.Empty(registry.Tags);
    }

    [Fact]
    public async Task A_report_naming_the_wrong_platform_for_a_digest_is_refused()
    {
        var (registry, staged) = await StageBothAsync();
        var arm = staged.First(s => s.Platform == Platform.LinuxArm64);
        var amd = staged.Single(s => s.Image == arm.Image && s.Platform == Platform.LinuxAmd64);
        var crossed = staged.Select(s => s == arm ? s with { Digest = amd.Digest } : s).ToList();
        var refused = await Assert.ThrowsAsync<InputError>(() =>
            Assemble(registry).RunAsync(Plan(), crossed, force: false, CancellationToken.None));
        Assert.Contains($"{arm.Image} linux/arm64: {arm.Repository}@{amd.Digest} is a linux/amd64 image", refused.Message);
        Assert.Empty(registry.Tags);
    }

    [Fact]
    public async Task An_existing_version_tag_with_other_content_is_refused_unless_forced()
    {
        var (registry, staged) = await StageBothAsync();
        var plan = Plan();
        var target = plan.Publish[0];
        registry.Tags[target.Reference("v1.2.3").ToString()] = FakeRegistry.IndexOf(target.Image.Name);
        var refused = await Assemble(registry).RunAsync(plan, staged, force: false, CancellationToken.None).Failure();
        Assert.Contains("already exists with other content", refused);
        Assert.Equal("sha256:old", registry.Tags[target.Reference("v1.2.3").ToString()].Digest);
        await Assemble(registry).RunAsync(plan, staged, force: true, CancellationToken.None).Published();
        Assert.NotEqual("sha256:old", registry.Tags[target.Reference("v1.2.3").ToString()].Digest);
    }
}
