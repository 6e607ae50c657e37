using System.Text.RegularExpressions;

namespace ImageTooling;

/// <summary>A release version from a git tag: <c>vMAJOR.MINOR.PATCH</c> with an optional SemVer 2.0 pre-release.</summary>
public sealed partial record ReleaseTag(int Major, int Minor, int Patch, string? PreRelease)
{
    public const string ExpectedForm = "vMAJOR.MINOR.PATCH or vMAJOR.MINOR.PATCH-PRERELEASE, e.g. v1.2.3 or v1.2.3-rc.1";

    public bool IsStable => PreRelease is null;

    public string Version => $"{Major}.{Minor}.{Patch}" + (PreRelease is null ? "" : $"-{PreRelease}");

    public override string ToString() => $"v{Version}";

    /// <summary>A tag of the repository that is a release tag, or null (floating tags, branch tags, anything else): absence is normal here.</summary>
    public static ReleaseTag? TryParse(string text) => Read(text, out _);

    public static ReleaseTag Parse(string text) =>
        Read(text, out var problem) ?? throw new InputError($"'{text}' is not a release tag: {problem}expected {ExpectedForm}");

    /// <summary>The release tag, or null and what is wrong with the text (empty, or a reason ending in "; ").</summary>
    private static ReleaseTag? Read(string text, out string problem)
    {
        problem = "";
        var match = Pattern().Match(text);
        if (!match.Success) return null;
        var pre = match.Groups["pre"].Success ? match.Groups["pre"].Value : null;
        if (pre is not null && pre.Split('.').Any(p => p.Length > 1 && p[0] == '0' && p.All(char.IsAsciiDigit)))
        {
            problem = "numeric pre-release parts have no leading zeros; ";
            return null;
        }
        if (!int.TryParse(match.Groups["major"].Value, out var major) || !int.TryParse(match.Groups["minor"].Value, out var minor)
            || !int.TryParse(match.Groups["patch"].Value, out var patch))
        {
            problem = "a version number is too large; ";
            return null;
        }
        return new ReleaseTag(major, minor, patch, pre);
    }

    /// <summary>
    /// The tags a release writes, in the order they must land: the exact version first, then the
    /// floating ones (<c>vX.Y</c>, <c>vX</c>, <c>latest</c>) for a stable release only.
    /// </summary>
    public IReadOnlyList<string> Tags(bool floating = true) =>
        IsStable && floating ? [ToString(), .. FloatingTagNames] : [ToString()];

    /// <summary>The floating tags of this release's line, whether or not they move (see <see cref="FloatingTags"/>).</summary>
    public IReadOnlyList<string> FloatingTagNames => [$"v{Major}.{Minor}", $"v{Major}", "latest"];

    // SemVer 2.0: numeric identifiers without leading zeros; pre-release identifiers of [0-9A-Za-z-].
    [GeneratedRegex(@"^v(?<major>0|[1-9][0-9]*)\.(?<minor>0|[1-9][0-9]*)\.(?<patch>0|[1-9][0-9]*)(?:-(?<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$")]
    private static partial Regex Pattern();
}
