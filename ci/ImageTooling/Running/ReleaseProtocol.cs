namespace ImageTooling;

/// <summary>
/// The release protocol once the content exists, registry-side: decide for every image before writing anything (an
/// existing version tag with other content is refused unless forced), write every version tag (the caller's push: an
/// engine's publish, or an index put together from staged digests), and only then move the floating tags the semver
/// rule lets move. <c>publish-multi-arch</c> and <c>assemble</c> both release through it.
/// </summary>
public sealed class ReleaseProtocol(IRegistry registry, RegistryCredentials credentials, RunLog log)
{
    /// <param name="sameContent">Whether an existing version tag already holds what this release would write.</param>
    /// <param name="push">Writes one version tag and says what the registry holds under it.</param>
    /// <returns>What was pushed, found in place or left, in order, and the failure that stopped it (null: completed).</returns>
    public async Task<(IReadOnlyList<PublishedImage> Published, string? Failure)> RunAsync(
        BuildPlan plan, bool force, Func<PublishTarget, RemoteIndex, bool> sameContent, Func<PublishTarget, string, Task<PublishedImage>> push,
        CancellationToken cancellation)
    {
        var published = new List<PublishedImage>();
        // The one error boundary of a publish: the content exists, so a refusal from here on (a registry 401, an engine
        // that cannot push) is a failure of the run, not bad input, and names what the run was doing (`step`).
        var step = "";
        try
        {
            // Decide for every image before pushing anything, so that a refusal leaves the registry untouched.
            var unchanged = new Dictionary<PublishTarget, string>();
            var existing = new Dictionary<PublishTarget, RemoteIndex>();
            var floating = new Dictionary<PublishTarget, IReadOnlyList<FloatingTagDecision>>();
            foreach (var target in plan.Publish)
            {
                step = $"reading {target.Repository} before publishing";
                floating[target] = plan.Options.Release is { } release
                    ? await FloatingTags.DecideAsync(target, release, registry, credentials, cancellation)
                    : [];
                // A tag that stays is said once, in the summary at the end.
                foreach (var decision in floating[target].Where(d => d.Moves))
                    log.Say($"[tags]  {target.Reference(decision.Tag)} will move: {decision.Reason}");
                var versionTag = target.Tags[0];
                step = $"reading {target.Reference(versionTag)} before publishing";
                var index = await registry.GetIndexAsync(target.Reference(versionTag), credentials, cancellation);
                if (index is null) continue;
                existing[target] = index;
                if (sameContent(target, index))
                    unchanged[target] = index.Digest;
                else if (!force)
                    return (published, $"{target.Reference(versionTag)} already exists with other content ({index.Digest}); a release tag is never overwritten silently: use --force to replace it");
                else
                    log.Say($"[push]  {target.Reference(versionTag)} exists with other content; replacing it (--force)");
            }

            foreach (var target in plan.Publish)
            {
                var versionTag = target.Tags[0];
                if (unchanged.TryGetValue(target, out var digest))
                {
                    log.Say($"[push]  {target.Reference(versionTag)} already holds this content ({digest}); nothing to do");
                    published.Add(new PublishedImage(target.Repository, versionTag, digest, Unchanged: true) { Platforms = existing[target].Platforms() });
                    continue;
                }
                step = $"publishing {target.Reference(versionTag)}";
                published.Add(await push(target, versionTag));
            }
            // Floating tags move only once every version tag of the release is in place: a registry-side copy of
            // the version tag's digest, and only those the semver rule lets move (a backport leaves latest alone).
            cancellation.ThrowIfCancellationRequested();
            foreach (var target in plan.Publish)
            {
                var version = published.Single(p => p.Repository == target.Repository && p.Tag == target.Tags[0]);
                step = $"moving the floating tags of {target.Repository}";
                await Promotion.MoveAsync(target, version.Digest, floating[target], registry, credentials, log.Say, published, cancellation);
            }
            return (published, null);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return (published, Interrupted(plan, published));
        }
        catch (InputError e)
        {
            var pushed = published.Count(p => p is { Unchanged: false, Floating: null });
            return (published, $"{step} failed (images were built, {(pushed == 0 ? "nothing was pushed" : $"{pushed} version tags were pushed")}): {e.Message}");
        }
        catch (PipelineFailure e)
        {
            return (published, e.Message);
        }
    }

    /// <summary>Nothing to release without a version tag: a plan with neither a release tag nor a branch tag is bad input.</summary>
    public static void RequireTags(BuildPlan plan)
    {
        if (plan.Publish.Count == 0 || plan.Publish[0].Tags.Count == 0)
            throw new InputError("nothing to publish: give a release tag (--tag vX.Y.Z) or a branch tag (--branch-tag NAME-SHA)");
    }

    /// <summary>Refuses, before anything is built or read, credentials the registry does not take for any target.</summary>
    public async Task CheckCredentialsAsync(BuildPlan plan, CancellationToken cancellation)
    {
        foreach (var target in plan.Publish)
            await registry.CheckCredentialsAsync(target.Repository, credentials, cancellation);
        log.Say($"[auth]  {credentials.Username} may push to {string.Join(", ", plan.Publish.Select(p => p.Repository))}");
    }

    /// <summary>One line for an interrupted publish: what landed, what did not, and that a re-run completes it.</summary>
    private static string Interrupted(BuildPlan plan, IReadOnlyList<PublishedImage> published)
    {
        var versions = published.Where(p => p.Floating is null).Select(p => $"{p.Repository}:{p.Tag}").ToList();
        var missing = plan.Publish.Select(t => t.Reference(t.Tags[0]).ToString()).Except(versions).ToList();
        var moved = published.Where(p => p.Floating is { Moves: true }).Select(p => $"{p.Repository}:{p.Tag}").ToList();
        return $"interrupted: {versions.Count} of {plan.Publish.Count} version tags landed"
            + (versions.Count == 0 ? "" : $" ({string.Join(", ", versions)})")
            + (missing.Count == 0 ? "" : $", not pushed: {string.Join(", ", missing)}")
            + (moved.Count == 0 ? "; no floating tag moved" : $"; floating tags moved: {string.Join(", ", moved)}")
            + "; run the same command again to complete the release";
    }
}
