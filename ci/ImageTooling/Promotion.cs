namespace ImageTooling;

/// <summary>
/// Moves floating tags to a release's version-tag digest: a registry-side copy of the index, verified after
/// the write. The same code serves <c>publish-multi-arch</c> (after its version tags) and <c>promote</c>
/// (after the release workflow verified the signatures).
/// </summary>
public static class Promotion
{
    /// <summary>Applies decisions already made for one image; adds a report row for every floating tag, moved or not, as it goes.</summary>
    public static async Task MoveAsync(
        PublishTarget target, string digest, IReadOnlyList<FloatingTagDecision> decisions, IRegistry registry, RegistryCredentials credentials,
        Action<string> say, ICollection<PublishedImage> rows, CancellationToken cancellation)
    {
        foreach (var decision in decisions)
        {
            var reference = target.Reference(decision.Tag);
            if (!decision.Moves)
            {
                // Said once, when it was decided; the report row carries it.
                rows.Add(new PublishedImage(target.Repository, decision.Tag, "", Unchanged: true) { Floating = decision });
                continue;
            }
            var now = await registry.TagAsync(target.Repository.WithDigest(digest), decision.Tag, credentials, cancellation);
            if (now != digest)
                throw new PipelineFailure($"{reference} points to {now} after the copy, expected {digest}");
            say($"[tags]  {reference} -> {digest} ({decision.Reason})");
            rows.Add(new PublishedImage(target.Repository, decision.Tag, digest, Unchanged: false) { Floating = decision });
        }
    }

    /// <summary>
    /// Every planned image's version tag must exist and, when the digests the publish step printed are given (by
    /// repository), point at exactly those. Returns each image's version-tag index as the registry holds it.
    /// </summary>
    public static async Task<IReadOnlyList<(PublishTarget Target, RemoteIndex Index)>> CheckAsync(
        BuildPlan plan, IRegistry registry, RegistryCredentials credentials, IReadOnlyDictionary<string, string>? expectedDigests,
        Action<string> say, CancellationToken cancellation)
    {
        var release = plan.Options.Release ?? throw new InputError("give the release tag (--tag vX.Y.Z)");
        var result = new List<(PublishTarget, RemoteIndex)>();
        foreach (var target in plan.Publish)
        {
            var reference = target.Reference(release.ToString());
            var index = await registry.GetIndexAsync(reference, credentials, cancellation)
                ?? throw new PipelineFailure($"{reference} does not exist: publish the version tags first");
            if (expectedDigests is not null)
            {
                if (!expectedDigests.TryGetValue(target.Repository.ToString(), out var expected))
                    throw new PipelineFailure($"the publish report names no digest for {reference}");
                if (expected != index.Digest)
                    throw new PipelineFailure($"{reference} points to {index.Digest}, but the publish step pushed {expected}: refusing to go on");
            }
            say($"[check] {reference} is {index.Digest}{(expectedDigests is null ? "" : ", as published")}");
            result.Add((target, index));
        }
        return result;
    }

    /// <summary>
    /// The <c>promote</c> command: checks every image first (<see cref="CheckAsync"/>), so that one mismatch leaves
    /// every floating tag where it was; then decides each image's floating tags by the semver rule and moves them.
    /// </summary>
    public static async Task<IReadOnlyList<PublishedImage>> PromoteAsync(
        BuildPlan plan, IRegistry registry, RegistryCredentials credentials, IReadOnlyDictionary<string, string>? expectedDigests,
        Action<string> say, CancellationToken cancellation)
    {
        var release = plan.Options.Release ?? throw new InputError("promote needs the release tag (--tag vX.Y.Z)");
        var checkedTargets = await CheckAsync(plan, registry, credentials, expectedDigests, say, cancellation);
        var decided = new List<(PublishTarget Target, string Digest, IReadOnlyList<FloatingTagDecision> Decisions)>();
        foreach (var (target, index) in checkedTargets)
            decided.Add((target, index.Digest, await FloatingTags.DecideAsync(target, release, registry, credentials, cancellation)));
        var rows = new List<PublishedImage>();
        foreach (var (target, digest, decisions) in decided)
            await MoveAsync(target, digest, decisions, registry, credentials, say, rows, cancellation);
        return rows;
    }
}
