using System.Text.RegularExpressions;

namespace ImageTooling.Security;

/// <summary>
/// The tags the scheduled security check looks at: what users pull. That is <c>latest</c>, and for each maintained
/// line the newest <c>vX.Y</c> (the one <c>vX</c> follows). A line is a major version; the maintained ones are the
/// <c>majors</c> highest majors the registry holds (by default the current one and the one before it). A patch tag
/// (<c>vX.Y.Z</c>) is what a user pins knowingly, and a rebuild is a new patch tag: neither is checked here.
/// </summary>
public static partial class SecurityTargets
{
    public const int DefaultMajors = 2;

    /// <summary>The tags to check, <c>latest</c> first, then the lines from the highest major down.</summary>
    /// <param name="registryTags">The tags every published image holds (anything else is ignored).</param>
    public static IReadOnlyList<string> Choose(IEnumerable<string> registryTags, int majors = DefaultMajors)
    {
        if (majors < 1) throw new InputError($"--majors must be at least 1, got {majors}");
        var tags = registryTags.ToList();
        var lines = tags.Select(t => MinorTag().Match(t)).Where(m => m.Success)
            .Select(m => (Major: int.Parse(m.Groups["major"].Value, System.Globalization.CultureInfo.InvariantCulture),
                          Minor: int.Parse(m.Groups["minor"].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .GroupBy(l => l.Major)
            .OrderByDescending(g => g.Key)
            .Take(majors)
            .Select(g => $"v{g.Key}.{g.Max(l => l.Minor)}");
        return [.. tags.Contains("latest") ? ["latest"] : Array.Empty<string>(), .. lines];
    }

    /// <summary>Reads the tags of every image the plan publishes and chooses among those all of them hold, so that
    /// every image is checked under every chosen tag (an image added later lacks the older lines).</summary>
    public static async Task<IReadOnlyList<string>> ReadAsync(
        BuildPlan plan, IRegistry registry, RegistryCredentials? credentials, int majors, CancellationToken cancellation)
    {
        HashSet<string>? common = null;
        foreach (var target in plan.Publish)
        {
            var tags = await registry.ListTagsAsync(target.Repository, credentials, cancellation);
            if (common is null) common = [.. tags];
            else common.IntersectWith(tags);
        }
        return Choose(common ?? [], majors);
    }

    // A floating vX.Y tag: numbers without leading zeros, as release tags have them.
    [GeneratedRegex(@"^v(?<major>0|[1-9][0-9]{0,8})\.(?<minor>0|[1-9][0-9]{0,8})$")]
    private static partial Regex MinorTag();
}
