using System.Text.RegularExpressions;

namespace ImageTooling;

/// <summary>
/// The tag of a branch image: BRANCH-SLUG-SHORTSHA, e.g. <c>feature-login-fix-1a2b3c4</c>. The slug is the branch
/// name lowercased, every run of characters outside [a-z0-9.-] turned into one '-', trimmed to start and end with a
/// letter or digit. It never looks like a release tag (a <c>vN...</c> slug gets a <c>br-</c> prefix) and, with its SHA
/// suffix, is never <c>latest</c>. The slug, prefix included, is at most 40 characters (the whole tag at most 48).
/// </summary>
public static partial class BranchTag
{
    public const int MaxSlugLength = 40;

    public static string For(string branch, string commitSha)
    {
        if (!Sha().IsMatch(commitSha))
            throw new InputError($"'{commitSha}' is not a commit SHA (7 to 40 hex digits)");
        var name = branch.StartsWith("refs/heads/", StringComparison.Ordinal) ? branch["refs/heads/".Length..] : branch;
        var slug = Dashes().Replace(Outside().Replace(name.ToLowerInvariant(), "-"), "-");
        slug = Edges().Replace(slug, "");
        if (slug.Length == 0) slug = "branch";
        if (VersionLike().IsMatch(slug)) slug = $"br-{slug}";
        slug = Edges().Replace(slug[..Math.Min(slug.Length, MaxSlugLength)], "");
        return $"{slug}-{commitSha[..7].ToLowerInvariant()}";
    }

    [GeneratedRegex("^[0-9a-fA-F]{7,40}$")]
    private static partial Regex Sha();

    [GeneratedRegex("[^a-z0-9.-]+")]
    private static partial Regex Outside();

    [GeneratedRegex("-{2,}")]
    private static partial Regex Dashes();

    [GeneratedRegex("^[^a-z0-9]+|[^a-z0-9]+$")]
    private static partial Regex Edges();

    [GeneratedRegex("^v[0-9]")]
    private static partial Regex VersionLike();
}
