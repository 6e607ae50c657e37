using System.Collections.Concurrent;
using ImageTooling.Catalog;

namespace ImageTooling.Tests;

/// <summary>An in-memory stand-in for an engine, for testing the pipeline's rules (the real engines have their own tests).</summary>
internal sealed class FakeEngine : IImageEngine, ImageTooling.Security.IRegistryImages
{
    public ConcurrentQueue<string> Events { get; } = new();
    public Func<BuildNode, bool> BuildFails { get; init; } = _ => false;
    /// <summary>The node's image comes from a cache of earlier builds (as the local engine's registry cache gives it).</summary>
    public Func<BuildNode, bool> FromCache { get; init; } = _ => false;
    public Func<SmokeTest, BuiltImage, CommandResult>? Answer { get; init; }
    public Func<string, int, bool> PublishFails { get; init; } = (_, _) => false;
    /// <summary>The engine refuses the push as bad input (as an engine does for a token it cannot use).</summary>
    public Func<string, bool> PublishRefused { get; init; } = _ => false;
    /// <summary>Called after a push landed (e.g. to interrupt the run there).</summary>
    public Action<string>? AfterPublish { get; init; }
    public ConcurrentDictionary<string, int> PublishAttempts { get; } = new();
    /// <summary>One platform is pushed as a plain image manifest, not an index (as Dagger v0.21.8 does).</summary>
    public bool OnePlatformAsPlainManifest { get; init; }

    /// <summary>Names this engine's staged digests: another build of the same inputs (a re-run of a runner) gives other digests.</summary>
    public string StagedBuild { get; init; } = "staged";
    /// <summary>Where a push lands (the pipeline reads every pushed index back from its registry).</summary>
    public FakeRegistry? Registry { get; private set; }

    /// <summary>Pushes land in <paramref name="registry"/> from now on; returns it.</summary>
    public FakeRegistry PushesTo(FakeRegistry registry) => Registry = registry;
    public int MaxConcurrentBuilds => maxConcurrent;
    private int running, maxConcurrent;

    public string Name => "fake engine";
    public Task CheckReadyAsync(CancellationToken cancellation) => Task.CompletedTask;
    public Task CheckCredentialsAsync(RegistryCredentials credentials, CancellationToken cancellation) => Task.CompletedTask;

    public async Task<BuiltImage> BuildAsync(BuildNode node, BuiltImage? baseImage, CancellationToken cancellation)
    {
        var now = Interlocked.Increment(ref running);
        lock (Events) maxConcurrent = Math.Max(maxConcurrent, now);
        await Task.Delay(20, cancellation);
        Interlocked.Decrement(ref running);
        Events.Enqueue($"build {node.Id} on {baseImage?.Handle ?? node.BaseImage}");
        if (BuildFails(node)) throw new PipelineFailure($"build of {node.Id} broke");
        return new BuiltImage(node, $"fake/{node.Image.Name}:{node.Platform.Architecture}")
        {
            ConfigDigest = $"sha256:{node.Image.Name}-{node.Platform.Architecture}",
            FromCache = FromCache(node),
        };
    }

    /// <summary>A registry's image as this engine runs it: its handle is the reference it was pulled by.</summary>
    public Task<BuiltImage> PullAsync(BuildNode node, ImageReference reference, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        Events.Enqueue($"pull {reference} {node.Platform}");
        return Task.FromResult(new BuiltImage(node, reference.ToString()));
    }

    public Task<CommandResult> RunAsync(BuiltImage image, SmokeTest test, CancellationToken cancellation)
    {
        Events.Enqueue($"test {image.Node.Id} {test.Name}");
        return Task.FromResult(Answer?.Invoke(test, image) ?? new CommandResult(0, $"output: {test.Expect}\n"));
    }

    public Task<string> PublishAsync(ImageReference pushed, IReadOnlyList<BuiltImage> variants, RegistryCredentials credentials, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested(); // as a real push does when the run is interrupted
        var reference = pushed.ToString();
        var attempt = PublishAttempts.AddOrUpdate(reference, 1, (_, n) => n + 1);
        if (PublishRefused(reference)) throw new InputError($"the engine cannot push {reference} with these credentials");
        if (PublishFails(reference, attempt)) throw new PipelineFailure($"connection reset pushing {reference}");
        Events.Enqueue($"publish {reference} [{string.Join(",", variants.Select(v => v.Node.Platform))}]");
        var manifests = variants.Select(v => new RemoteManifest(v.Node.Platform, $"sha256:{v.Node.Image.Name}-{v.Node.Platform.Architecture}-manifest", v.ConfigDigest ?? "")).ToList();
        var plain = OnePlatformAsPlainManifest && manifests.Count == 1;
        var digest = plain ? manifests[0].Digest : $"sha256:{reference.GetHashCode():x8}";
        Registry?.Pushed(reference, new RemoteIndex(digest, manifests) { IsPlainManifest = plain });
        AfterPublish?.Invoke(reference);
        return Task.FromResult(digest);
    }

    /// <summary>A stand-in layout: an <c>index.json</c> naming the variant's manifest, platform and inputs (what <see cref="FakeRegistry"/> reads).</summary>
    public Task ExportLayoutAsync(BuiltImage variant, string layout, CancellationToken cancellation)
    {
        Events.Enqueue($"export {variant.Node.Id}");
        var manifest = new RemoteManifest(variant.Node.Platform, $"sha256:{variant.Node.Image.Name}-{variant.Node.Platform.Architecture}-{StagedBuild}", variant.ConfigDigest ?? "")
        {
            Inputs = variant.Node.Labels.GetValueOrDefault(InputsDigest.Label),
        };
        File.WriteAllText(Path.Combine(layout, "index.json"), System.Text.Json.JsonSerializer.Serialize(manifest));
        return Task.CompletedTask;
    }
}

/// <summary>An in-memory stand-in for a registry: which tags exist with which content.</summary>
internal sealed class FakeRegistry : IRegistry
{
    public Dictionary<string, RemoteIndex> Tags { get; } = [];
    public bool RefuseCredentials { get; init; }
    /// <summary>Takes the credentials for pushing, but refuses them for reading tags (a 401 after the builds).</summary>
    public bool RefuseReads { get; init; }
    public List<string> Calls { get; } = [];

    public Task CheckCredentialsAsync(ImageReference repository, RegistryCredentials credentials, CancellationToken cancellation)
    {
        Calls.Add($"auth {repository}");
        return RefuseCredentials
            ? throw new InputError($"the registry refused the credentials of '{credentials.Username}' for {repository}")
            : Task.CompletedTask;
    }

    /// <summary>An engine pushed this index under <paramref name="reference"/> (REPOSITORY:TAG).</summary>
    public void Pushed(string reference, RemoteIndex index)
    {
        lock (Tags) Tags[reference] = index;
    }

    public Task<RemoteIndex?> GetIndexAsync(ImageReference reference, RegistryCredentials? credentials, CancellationToken cancellation) =>
        RefuseReads
            ? throw new InputError($"reading {reference}: the registry refused {(credentials is null ? "anonymous access" : $"the credentials of '{credentials.Username}'")}")
            : Task.FromResult(reference.Digest is not null ? Digests.GetValueOrDefault(reference.ToString()) : Tags.GetValueOrDefault(reference.ToString()));

    public Task<IReadOnlyList<string>> ListTagsAsync(ImageReference repository, RegistryCredentials? credentials, CancellationToken cancellation) =>
        Task.FromResult<IReadOnlyList<string>>(Tags.Keys.Where(k => k.StartsWith(repository + ":", StringComparison.Ordinal)).Select(k => k[(repository.Repository.Length + 1)..]).ToList());

    /// <summary>Keeps the stand-in layout's manifest under its digest, as a registry keeps a manifest pushed with no tag.</summary>
    public Task<string> PushLayoutAsync(ImageReference repository, string layout, RegistryCredentials credentials, CancellationToken cancellation)
    {
        var manifest = System.Text.Json.JsonSerializer.Deserialize<RemoteManifest>(File.ReadAllText(Path.Combine(layout, "index.json")))!;
        Calls.Add($"stage {repository}@{manifest.Digest}");
        Digests[$"{repository}@{manifest.Digest}"] = new RemoteIndex(manifest.Digest, [manifest]) { IsPlainManifest = true };
        return Task.FromResult(manifest.Digest);
    }

    /// <summary>Manifests pushed by digest (REPOSITORY@DIGEST), which no tag lists.</summary>
    public Dictionary<string, RemoteIndex> Digests { get; } = [];

    /// <summary>Records the copy and points the tag at the digest (this stand-in keeps no manifests to copy).</summary>
    public Task<string> TagAsync(ImageReference manifest, string tag, RegistryCredentials credentials, CancellationToken cancellation)
    {
        var (repository, digest) = (manifest.Repository, manifest.ManifestReference);
        Calls.Add($"tag {repository}:{tag} -> {digest}");
        Tags[$"{repository}:{tag}"] = new RemoteIndex(digest, Tags.Values.FirstOrDefault(i => i.Digest == digest)?.Manifests ?? []);
        return Task.FromResult(digest);
    }

    /// <summary>Records the index and points the tag at it; its digest names its manifests, in platform order.</summary>
    public Task<string> PutIndexAsync(ImageReference reference, IReadOnlyList<RemoteManifest> manifests, RegistryCredentials credentials, CancellationToken cancellation)
    {
        var (repository, tag) = (reference.Repository, reference.ManifestReference);
        var ordered = manifests.OrderBy(m => m.Platform.ToString(), StringComparer.Ordinal).ToList();
        var digest = $"sha256:index-of-{string.Join("+", ordered.Select(m => m.Digest["sha256:".Length..]))}";
        Calls.Add($"index {repository}:{tag} -> {digest}");
        Tags[$"{repository}:{tag}"] = new RemoteIndex(digest, ordered);
        return Task.FromResult(digest);
    }

    /// <summary>The floating tags this registry was asked to move, in order.</summary>
    public IEnumerable<string> Moves => Calls.Where(c => c.StartsWith("tag ", StringComparison.Ordinal)).Select(c => c[4..]);

    public static RemoteIndex IndexOf(string image, string digest = "sha256:old") =>
        new(digest, [new(Platform.LinuxAmd64, "sha256:m1", $"sha256:{image}-amd64"), new(Platform.LinuxArm64, "sha256:m2", $"sha256:{image}-arm64")]);
}

/// <summary>A run's outcome as a test reads it: what a run that had to complete did, or why a run that had to fail stopped.</summary>
internal static class Outcomes
{
    public static async Task<IReadOnlyList<PublishedImage>> Published(this Task<ReleaseOutcome> run)
    {
        var outcome = await run;
        Assert.True(outcome.Succeeded, $"the run failed: {outcome.Failure}");
        return outcome.Published;
    }

    public static async Task<IReadOnlyList<StagedImage>> Staged(this Task<ReleaseOutcome> run)
    {
        var outcome = await run;
        Assert.True(outcome.Succeeded, $"the run failed: {outcome.Failure}");
        return outcome.Staged;
    }

    public static async Task<IReadOnlyList<BuiltImage>> Images(this Task<BuildOutcome> run)
    {
        var outcome = await run;
        Assert.True(outcome.Succeeded, $"the run failed: {outcome.Failure}");
        return outcome.Images;
    }

    public static async Task<string> Failure(this Task<ReleaseOutcome> run)
    {
        var outcome = await run;
        Assert.False(outcome.Succeeded, "the run completed; it should have failed");
        return outcome.Failure!;
    }

    public static async Task<string> Failure(this Task<BuildOutcome> run)
    {
        var outcome = await run;
        Assert.False(outcome.Succeeded, "every node passed; the run should have failed");
        return outcome.Failure!;
    }
}
