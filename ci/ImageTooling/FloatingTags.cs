namespace ImageTooling;

/// <summary>
/// The semver rule for floating tags: <c>latest</c> follows the highest stable release of the repository,
/// <c>vX</c> the highest stable release of major X, <c>vX.Y</c> the highest of X.Y. A backport (v1.3.5 after
/// v1.4.0) therefore moves <c>v1.3</c> only; a pre-release moves nothing.
/// </summary>
public static class FloatingTags
{
    /// <param name="release">The release being published.</param>
    /// <param name="existingTags">Every tag the repository holds now (anything that is not a release tag is ignored).</param>
    /// <param name="candidates">The floating tags the plan has for this release (none with --no-floating-tags).</param>
    public static IReadOnlyList<FloatingTagDecision> Decide(ReleaseTag release, IEnumerable<string> existingTags, IEnumerable<string> candidates)
    {
        var stable = existingTags.Select(ReleaseTag.TryParse).OfType<ReleaseTag>().Where(t => t.IsStable).ToList();
        var decisions = new List<FloatingTagDecision>();
        foreach (var tag in candidates)
        {
            if (!release.IsStable)
            {
                decisions.Add(new(tag, false, $"{release} is a pre-release; pre-releases never move a floating tag"));
                continue;
            }
            var (scope, within) = tag == "latest"
                ? ("the repository", stable)
                : tag == $"v{release.Major}"
                    ? ($"v{release.Major}", stable.Where(t => t.Major == release.Major).ToList())
                    : tag == $"v{release.Major}.{release.Minor}"
                        ? ($"v{release.Major}.{release.Minor}", stable.Where(t => t.Major == release.Major && t.Minor == release.Minor).ToList())
                        : throw new ArgumentException($"'{tag}' is not a floating tag of {release}", nameof(candidates));
            var newer = within.Where(t => Newer(t, release)).OrderDescending().FirstOrDefault();
            decisions.Add(newer is null
                ? new(tag, true, $"{release} is the highest stable release in {scope}")
                : new(tag, false, $"{newer} is newer in {scope}"));
        }
        return decisions;
    }

    /// <summary>Reads the repository's tags and decides; a repository that does not exist yet holds no tags.</summary>
    public static async Task<IReadOnlyList<FloatingTagDecision>> DecideAsync(
        PublishTarget target, ReleaseTag release, IRegistry registry, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        if (!release.IsStable) return Decide(release, [], release.FloatingTagNames);
        var candidates = target.Tags.Skip(1).ToList();
        if (candidates.Count == 0) return [];
        var existing = await registry.ListTagsAsync(target.Repository, credentials, cancellation);
        return Decide(release, existing, candidates);
    }

    private static bool Newer(ReleaseTag a, ReleaseTag b) => a.CompareTo(b) > 0;
}
