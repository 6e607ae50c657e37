namespace ImageTooling;

/// <summary>
/// Makes the release from staged platform images (<see cref="Pipeline.StageAsync"/>), registry-side and without an
/// engine: every platform the plan has must be staged, in the image's own repository, built from this plan's inputs;
/// then each image's index is put under its version tag and the floating tags move, under the same rules as a publish
/// (<see cref="ReleaseProtocol"/>). The same staged digests always make the same index, so a re-run changes nothing.
/// </summary>
public sealed class ReleaseAssembly(IRegistry registry, RegistryCredentials credentials, TextWriter log)
{
    private readonly RunLog run = new(log);

    /// <exception cref="InputError">The staged set does not make this plan's release (nothing was tagged).</exception>
    public async Task<ReleaseOutcome> RunAsync(BuildPlan plan, IReadOnlyList<StagedImage> staged, bool force, CancellationToken cancellation)
    {
        ReleaseProtocol.RequireTags(plan);
        var protocol = new ReleaseProtocol(registry, credentials, run);
        await protocol.CheckCredentialsAsync(plan, cancellation);
        var manifests = new Dictionary<PublishTarget, List<RemoteManifest>>();
        var problems = new List<string>();
        foreach (var target in plan.Publish)
        {
            manifests[target] = [];
            foreach (var node in plan.Nodes.Where(n => n.Image == target.Image))
            {
                var (manifest, problem) = await StagedManifestAsync(target, node, staged, cancellation);
                if (manifest is not null) manifests[target].Add(manifest);
                else problems.Add($"{target.Image.Name} {node.Platform}: {problem}");
            }
        }
        if (problems.Count > 0)
            throw new InputError($"cannot assemble the release, nothing was tagged:\n  {string.Join("\n  ", problems)}");

        // Already released when the tag's index holds these platforms as these digests or, staged again by a re-run of
        // every runner, built from the same inputs (as publish-multi-arch compares a build with an existing tag).
        var (published, failure) = await protocol.RunAsync(plan, force,
            (target, index) => !index.IsPlainManifest && index.Manifests.Count == manifests[target].Count
                && manifests[target].All(s => index.Manifests.Any(m => m.Platform == s.Platform
                    && (m.Digest == s.Digest || (m.Inputs is not null && m.Inputs == s.Inputs)))),
            async (target, tag) =>
            {
                var digest = await registry.PutIndexAsync(target.Reference(tag), manifests[target], credentials, cancellation);
                run.Say($"[push]  {target.Reference(tag)} -> {digest} (assembled from {string.Join(", ", manifests[target].Select(m => m.Platform))})");
                return new PublishedImage(target.Repository, tag, digest, Unchanged: false) { Platforms = manifests[target].ToDictionary(m => m.Platform, m => m.Digest) };
            },
            cancellation);
        return new ReleaseOutcome(null, published, [], failure);
    }

    /// <summary>The staged manifest of one node as the registry holds it, or why there is none fit for this release.</summary>
    private async Task<(RemoteManifest? Manifest, string? Problem)> StagedManifestAsync(
        PublishTarget target, BuildNode node, IReadOnlyList<StagedImage> staged, CancellationToken cancellation)
    {
        var (candidate, problem) = StagedTargets.Find(target, node, staged);
        if (candidate is null)
            return (null, problem);
        var remote = await registry.GetIndexAsync(target.Repository.WithDigest(candidate.Digest), credentials, cancellation);
        var expectedInputs = node.Labels.GetValueOrDefault(InputsDigest.Label);
        if (remote is not { IsPlainManifest: true, Manifests: [var manifest] })
            return (null, $"{target.Repository}@{candidate.Digest} is {(remote is null ? "not in the registry" : "not one image manifest")}");
        if (manifest.Platform != node.Platform)
            return (null, $"{target.Repository}@{candidate.Digest} is a {manifest.Platform} image");
        if (manifest.Inputs != expectedInputs)
            return (null, $"{target.Repository}@{candidate.Digest} was built from other inputs ({manifest.Inputs ?? "no inputs label"}; this commit's are {expectedInputs})");
        return (manifest, null);
    }
}
