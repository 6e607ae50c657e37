using ImageTooling.Catalog;

namespace ImageTooling.Tests;

/// <summary>The inputs digest label: what a node is made from, comparable with what a registry holds on any engine.</summary>
public sealed class InputsDigestTests : IDisposable
{
    private readonly string images = Repo.CopyFixture();

    public void Dispose() => Directory.Delete(images, recursive: true);

    private BuildPlan Plan(long created = 1_700_000_000, string revision = "aaaa") =>
        BuildPlan.Create(CatalogLoader.Load(images), new PlanOptions
        {
            Release = ReleaseTag.Parse("v1.2.3"),
            Created = DateTimeOffset.FromUnixTimeSeconds(created),
            Revision = revision,
        });

    private static Dictionary<string, string> Inputs(BuildPlan plan) =>
        plan.Nodes.ToDictionary(n => n.Id, n => n.Labels[InputsDigest.Label]);

    private static void Append(string file, string text) => File.AppendAllText(file, text);

    [Fact]
    public void Every_node_carries_an_inputs_digest_that_does_not_depend_on_the_clock_or_the_revision()
    {
        var first = Inputs(Plan());
        var again = Inputs(Plan(created: 1_800_000_000, revision: "bbbb"));

        Assert.All(first.Values, d => Assert.Matches("^sha256:[0-9a-f]{64}$", d));
        Assert.Equal(first, again);
        // Platforms of the same image differ: each is its own content.
        foreach (var group in Plan().Nodes.GroupBy(n => n.Image.Name))
            Assert.Equal(group.Count(), group.Select(n => n.Labels[InputsDigest.Label]).Distinct().Count());
    }

    [Fact]
    public void A_changed_file_changes_the_digest_of_its_image_and_of_every_image_built_on_it_only()
    {
        var plan = Plan();
        var baseImage = plan.Catalog.Images.First(i => plan.Catalog.Images.Any(d => d.Base == i.Name));
        var before = Inputs(plan);

        Append(Path.Combine(images, baseImage.Folder, "Dockerfile"), "\n# changed\n");
        var after = Inputs(Plan());

        foreach (var node in plan.Nodes)
        {
            var onBase = false;
            for (var current = node; current is not null; current = current.Base) onBase |= current.Image.Name == baseImage.Name;
            Assert.True(onBase == (before[node.Id] != after[node.Id]), $"{node.Id}: changed {before[node.Id] != after[node.Id]}, built on {baseImage.Name} {onBase}");
        }
    }

    [Fact]
    public void A_file_in_a_subfolder_of_an_image_s_folder_is_an_input_too()
    {
        var before = Inputs(Plan());
        Append(Path.Combine(images, "other", "files", "motd"), "changed\n");
        var changed = Inputs(Plan());
        Assert.All(before, b => Assert.Equal(b.Key.StartsWith("other ", StringComparison.Ordinal), b.Value != changed[b.Key]));

        File.Move(Path.Combine(images, "other", "files", "motd"), Path.Combine(images, "other", "files", "issue"));
        Assert.NotEqual(changed["other linux/amd64"], Inputs(Plan())["other linux/amd64"]);
    }

    [Fact]
    public void A_changed_common_file_changes_every_digest()
    {
        var before = Inputs(Plan());
        var common = Directory.EnumerateFiles(Path.Combine(images, InputsDigest.CommonFolder)).Order(StringComparer.Ordinal).First();
        Append(common, "\n# changed\n");
        var after = Inputs(Plan());
        Assert.All(before, b => Assert.NotEqual(b.Value, after[b.Key]));
    }

    [Fact]
    public void A_changed_base_image_reference_or_build_argument_changes_the_digest()
    {
        var catalog = CatalogLoader.Load(images);
        var image = catalog.Images.First(i => i.From is not null);
        var node = Plan().Nodes.First(n => n.Image.Name == image.Name);
        var digest = InputsDigest.For(catalog, image, node.Platform, node.BaseImage, node.BuildArgs, null);

        Assert.Equal(node.Labels[InputsDigest.Label], digest);
        Assert.NotEqual(digest, InputsDigest.For(catalog, image, node.Platform, node.BaseImage + "-other", node.BuildArgs, null));
        var args = new Dictionary<string, string>(node.BuildArgs) { [node.BuildArgs.Keys.First()] = "other" };
        Assert.NotEqual(digest, InputsDigest.For(catalog, image, node.Platform, node.BaseImage, args, null));
    }

    /// <summary>An engine that reports no config digest, like the Dagger engine.</summary>
    private sealed class NoConfigDigestEngine(FakeEngine inner) : IImageEngine
    {
        public string Name => "engine without config digests";
        public Task CheckReadyAsync(CancellationToken cancellation) => Task.CompletedTask;
        public Task CheckCredentialsAsync(RegistryCredentials credentials, CancellationToken cancellation) => Task.CompletedTask;
        public async Task<BuiltImage> BuildAsync(BuildNode node, BuiltImage? baseImage, CancellationToken cancellation) =>
            await inner.BuildAsync(node, baseImage, cancellation) with { ConfigDigest = null };
        public Task<CommandResult> RunAsync(BuiltImage image, SmokeTest test, CancellationToken cancellation) => inner.RunAsync(image, test, cancellation);
        public Task ExportLayoutAsync(BuiltImage variant, string layout, CancellationToken cancellation) =>
            throw new NotSupportedException("this engine stages nothing");

        public Task<string> PublishAsync(ImageReference reference, IReadOnlyList<BuiltImage> variants, RegistryCredentials credentials, CancellationToken cancellation) =>
            inner.PublishAsync(reference, variants, credentials, cancellation);
    }

    /// <summary>The registry holds, under the version tag, images whose labels are <paramref name="inputs"/> of each node.</summary>
    private static FakeRegistry RegistryHolding(BuildPlan plan, Func<BuildNode, string> inputs)
    {
        var registry = new FakeRegistry();
        foreach (var target in plan.Publish)
        {
            var manifests = plan.Nodes.Where(n => n.Image == target.Image)
                .Select(n => new RemoteManifest(n.Platform, $"sha256:m-{n.Platform.Architecture}", "sha256:some-config") { Inputs = inputs(n) })
                .ToList();
            registry.Tags[target.Reference(target.Tags[0]).ToString()] = new RemoteIndex($"sha256:index-{target.Image.Name}", manifests);
        }
        return registry;
    }

    [Fact]
    public async Task Without_config_digests_the_same_inputs_are_already_there_and_nothing_is_pushed_under_the_version_tag()
    {
        var plan = Plan();
        var engine = new FakeEngine();
        var log = new StringWriter();
        var registry = RegistryHolding(plan, n => n.Labels[InputsDigest.Label]);

        var published = await new Pipeline(new NoConfigDigestEngine(engine), log, jobs: 2)
            .PublishAsync(plan, engine.PushesTo(registry), new RegistryCredentials("bot", new Secret("x")), force: false, CancellationToken.None).Published();

        Assert.All(plan.Publish, t => Assert.Contains($"{t.Reference(t.Tags[0])} already holds this content", log.ToString(), StringComparison.Ordinal));
        Assert.All(published.Where(p => p.Tag == "v1.2.3"), p => Assert.True(p.Unchanged));
        Assert.DoesNotContain(engine.Events, e => e.StartsWith("publish ", StringComparison.Ordinal) && e.Contains(":v1.2.3 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_config_digests_other_inputs_under_the_version_tag_are_refused_unless_forced()
    {
        var plan = Plan();
        var registry = RegistryHolding(plan, n => "sha256:" + new string('0', 64));
        var credentials = new RegistryCredentials("bot", new Secret("x"));

        var engine = new FakeEngine();
        var failure = await new Pipeline(new NoConfigDigestEngine(engine), new StringWriter(), jobs: 2)
            .PublishAsync(plan, engine.PushesTo(registry), credentials, force: false, CancellationToken.None).Failure();
        Assert.Contains("already exists with other content", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(engine.Events, e => e.StartsWith("publish ", StringComparison.Ordinal));

        var forced = new FakeEngine();
        await new Pipeline(new NoConfigDigestEngine(forced), new StringWriter(), jobs: 2)
            .PublishAsync(plan, forced.PushesTo(registry), credentials, force: true, CancellationToken.None).Published();
        Assert.Contains(forced.Events, e => e.StartsWith("publish ", StringComparison.Ordinal) && e.Contains(":v1.2.3 ", StringComparison.Ordinal));
    }
}
