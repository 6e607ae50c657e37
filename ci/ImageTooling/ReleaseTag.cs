using Semver;

namespace ImageTooling;

/// <summary>
/// A release version from a git tag: <c>vMAJOR.MINOR.PATCH</c> with an optional SemVer 2.0 pre-release. Parsing and
/// ordering are the Semver package's (strict SemVer 2.0), not a pattern of our own; build metadata (<c>+...</c>) is
/// refused, since a registry tag cannot hold '+'.
/// </summary>
public sealed record ReleaseTag(int Major, int Minor, int Patch, string? PreRelease) : IComparable<ReleaseTag>
{
    public const string ExpectedForm = "vMAJOR.MINOR.PATCH or vMAJOR.MINOR.PATCH-PRERELEASE, e.g. v1.2.3 or v1.2.3-rc.1";

    public bool IsStable => PreRelease is null;

    public string Version => $"{Major}.{Minor}.{Patch}" + (PreRelease is null ? "" : $"-{PreRelease}");

    /// <summary>The version as the Semver package models it.</summary>
    public SemVersion Semantic => SemVersion.Parse(Version, SemVersionStyles.Strict);

    public override string ToString() => $"v{Version}";

    /// <summary>SemVer 2.0 precedence: 1.2.3-rc.1 &lt; 1.2.3 &lt; 1.2.10 &lt; 1.10.0.</summary>
    public int CompareTo(ReleaseTag? other) =>
        other is null ? 1 : SemVersion.ComparePrecedence(Semantic, other.Semantic);

    public static bool operator <(ReleaseTag? a, ReleaseTag? b) => Compare(a, b) < 0;
    public static bool operator <=(ReleaseTag? a, ReleaseTag? b) => Compare(a, b) <= 0;
    public static bool operator >(ReleaseTag? a, ReleaseTag? b) => Compare(a, b) > 0;
    public static bool operator >=(ReleaseTag? a, ReleaseTag? b) => Compare(a, b) >= 0;

    private static int Compare(ReleaseTag? a, ReleaseTag? b) => a is null ? (b is null ? 0 : -1) : a.CompareTo(b);

    /// <summary>A tag of the repository that is a release tag, or null (floating tags, branch tags, anything else): absence is normal here.</summary>
    public static ReleaseTag? TryParse(string text) => Read(text, out _);

    public static ReleaseTag Parse(string text) =>
        Read(text, out var problem) ?? throw new InputError($"'{text}' is not a release tag: {problem}expected {ExpectedForm}");

    /// <summary>The release tag, or null and what is wrong with the text (empty, or a reason ending in "; ").</summary>
    private static ReleaseTag? Read(string text, out string problem)
    {
        problem = "";
        if (!text.StartsWith('v') || text.Contains('+', StringComparison.Ordinal) ||
            !SemVersion.TryParse(text[1..], SemVersionStyles.Strict, out var version))
            return null;
        if (version.Major > int.MaxValue || version.Minor > int.MaxValue || version.Patch > int.MaxValue)
        {
            problem = "a version number is too large; ";
            return null;
        }
        return new ReleaseTag((int)version.Major, (int)version.Minor, (int)version.Patch, version.IsPrerelease ? version.Prerelease : null);
    }

    /// <summary>
    /// The tags a release writes, in the order they must land: the exact version first, then the
    /// floating ones (<c>vX.Y</c>, <c>vX</c>, <c>latest</c>) for a stable release only.
    /// </summary>
    public IReadOnlyList<string> Tags(bool floating = true) =>
        IsStable && floating ? [ToString(), .. FloatingTagNames] : [ToString()];

    /// <summary>The floating tags of this release's line, whether or not they move (see <see cref="FloatingTags"/>).</summary>
    public IReadOnlyList<string> FloatingTagNames => [$"v{Major}.{Minor}", $"v{Major}", "latest"];
}
