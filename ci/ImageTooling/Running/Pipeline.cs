using System.Diagnostics;
using ImageTooling.Scheduling;

namespace ImageTooling;

/// <summary>
/// The flows that need an engine: build and smoke-test a <see cref="BuildPlan"/> (<see cref="ImageBuilds"/>), then publish
/// one index per image (version tags first, floating tags after every version tag landed: <see cref="ReleaseProtocol"/>) or
/// stage each platform image by digest for a later <see cref="ReleaseAssembly"/>. Nothing is pushed unless every node was
/// built and passed its smoke tests. Each flow returns what it did, failures included.
/// </summary>
public sealed class Pipeline(IImageEngine engine, TextWriter log, int jobs = 2)
{
    private readonly RunLog run = new(log);

    public int PublishAttempts { get; init; } = 4;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Expected times that order the ready work (longest remaining path first); by default the catalog's hints.</summary>
    public Func<BuildNode, ExpectedTime> Expected { get; init; } = ExpectedTime.FromCatalog;
    public IPipelineObserver? Observer { get; init; }

    public Task<BuildOutcome> BuildAsync(BuildPlan plan, bool smokeTest, CancellationToken cancellation) =>
        new ImageBuilds(engine, run, jobs) { Expected = Expected, Observer = Observer }.RunAsync(plan, smokeTest, cancellation);

    public async Task<ReleaseOutcome> PublishAsync(
        BuildPlan plan, IRegistry registry, RegistryCredentials credentials, bool force, CancellationToken cancellation)
    {
        var protocol = await ReadyToReleaseAsync(plan, registry, credentials, cancellation);
        var build = await BuildAsync(plan, smokeTest: true, cancellation);
        if (!build.Succeeded) return ReleaseOutcome.BuildFailed(build);
        var variants = plan.Publish.ToDictionary(p => p, p => build.Images.Where(b => b.Node.Image == p.Image).ToList());
        var (published, failure) = await protocol.RunAsync(plan, force,
            (target, index) => SameContent(index, variants[target]),
            (target, tag) => PushAsync(target, tag, variants[target], registry, credentials, cancellation),
            cancellation);
        return new ReleaseOutcome(build, published, [], failure);
    }

    /// <summary>
    /// Builds and smoke-tests the plan's platforms, then pushes every image's variants by digest with no tag: nothing
    /// a user pulls changes. <see cref="ReleaseAssembly"/> later makes the release from what every platform staged.
    /// </summary>
    public async Task<ReleaseOutcome> StageAsync(BuildPlan plan, IRegistry registry, RegistryCredentials credentials, CancellationToken cancellation)
    {
        await ReadyToReleaseAsync(plan, registry, credentials, cancellation);
        var build = await BuildAsync(plan, smokeTest: true, cancellation);
        if (!build.Succeeded) return ReleaseOutcome.BuildFailed(build);
        var staged = new List<StagedImage>();
        foreach (var target in plan.Publish)
        {
            foreach (var variant in build.Images.Where(b => b.Node.Image == target.Image))
            {
                var layout = Directory.CreateTempSubdirectory("imagetool-stage-");
                try
                {
                    var clock = Stopwatch.StartNew();
                    await engine.ExportLayoutAsync(variant, layout.FullName, cancellation);
                    var digest = await registry.PushLayoutAsync(target.Repository, layout.FullName, credentials, cancellation);
                    run.Say($"[stage] {target.Repository}@{digest} ({variant.Node.Platform}, no tag) in {clock.Elapsed.TotalSeconds:0.0}s");
                    staged.Add(new StagedImage(target.Image.Name, target.Repository, variant.Node.Platform, digest,
                        variant.Node.Labels.GetValueOrDefault(InputsDigest.Label)));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    return new ReleaseOutcome(build, [], staged, $"staging {variant.Node.Id} in {target.Repository} failed (images were built): {e.Message}");
                }
                finally
                {
                    layout.Delete(recursive: true);
                }
            }
        }
        return new ReleaseOutcome(build, [], staged, null);
    }

    /// <summary>A tag to write, and credentials the engine and the registry both take: checked before anything is built.</summary>
    private async Task<ReleaseProtocol> ReadyToReleaseAsync(BuildPlan plan, IRegistry registry, RegistryCredentials credentials, CancellationToken cancellation)
    {
        ReleaseProtocol.RequireTags(plan);
        await engine.CheckCredentialsAsync(credentials, cancellation);
        var protocol = new ReleaseProtocol(registry, credentials, run);
        await protocol.CheckCredentialsAsync(plan, cancellation);
        return protocol;
    }

    /// <summary>
    /// Pushes one version tag (retrying transient faults), then reads the index back: the report names what the registry
    /// holds. A release tag is always an index: a push the registry holds as a plain manifest (one platform, as some
    /// engines push it) is put into an index of its one entry.
    /// </summary>
    private async Task<PublishedImage> PushAsync(
        PublishTarget target, string tag, IReadOnlyList<BuiltImage> variants, IRegistry registry, RegistryCredentials credentials, CancellationToken cancellation)
    {
        var reference = target.Reference(tag);
        var digest = await PushWithRetriesAsync(reference, variants, credentials, cancellation);
        var index = await registry.GetIndexAsync(reference, credentials, cancellation);
        if (index?.Digest != digest)
            throw new PipelineFailure($"{reference} was pushed as {digest}, but the registry holds {index?.Digest ?? "nothing"} under it");
        if (index.IsPlainManifest)
        {
            digest = await registry.PutIndexAsync(reference, index.Manifests, credentials, cancellation);
            index = await registry.GetIndexAsync(reference, credentials, cancellation);
            if (index?.Digest != digest || index.IsPlainManifest)
                throw new PipelineFailure($"{reference}: an index of one platform was put as {digest}, but the registry holds {index?.Digest ?? "nothing"} under it");
            run.Say($"[push]  {reference} -> {digest} (an index of the one platform's manifest)");
        }
        return new PublishedImage(target.Repository, tag, digest, Unchanged: false) { Platforms = index.Platforms() };
    }

    private async Task<string> PushWithRetriesAsync(ImageReference reference, IReadOnlyList<BuiltImage> variants, RegistryCredentials credentials, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var clock = Stopwatch.StartNew();
                var digest = await engine.PublishAsync(reference, variants, credentials, cancellation);
                run.Say($"[push]  {reference} -> {digest} ({string.Join(", ", variants.Select(v => v.Node.Platform))}) in {clock.Elapsed.TotalSeconds:0.0}s");
                return digest;
            }
            catch (Exception e) when (e is not (OperationCanceledException or InputError) && attempt < PublishAttempts)
            {
                var delay = Backoff.Delay(RetryDelay, attempt);
                run.Say($"[push]  {reference}: attempt {attempt} of {PublishAttempts} failed ({e.Message}); retrying in {delay.TotalSeconds:0.#}s");
                await Task.Delay(delay, cancellation);
            }
            catch (Exception e) when (e is not (OperationCanceledException or InputError))
            {
                throw new PipelineFailure($"publishing {reference} failed after {PublishAttempts} attempts: {e.Message}", e);
            }
        }
    }

    /// <summary>The same image config, or, on an engine that reports no config digest, the same inputs digest label.</summary>
    private static bool SameContent(RemoteIndex existing, IReadOnlyList<BuiltImage> variants) =>
        existing.Manifests.Count == variants.Count
        && variants.All(v => existing.Manifests.Any(m => m.Platform == v.Node.Platform
            && ((v.ConfigDigest is not null && m.ConfigDigest == v.ConfigDigest)
                || (m.Inputs is not null && m.Inputs == v.Node.Labels.GetValueOrDefault(InputsDigest.Label)))));
}
