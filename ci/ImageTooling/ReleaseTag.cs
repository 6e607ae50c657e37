using System.Text.RegularExpressions;

namespace ImageTooling;

/// <summary>A release version from a git tag: <c>vMAJOR.MINOR.PATCH</c> with an optional SemVer 2.0 pre-release.</summary>
public sealed partial record ReleaseTag(int Major, int Minor, int Patch, string? PreRelease)
{
    public const string ExpectedForm = "vMAJOR.MINOR.PATCH or vMAJOR.MINOR.PATCH-PRERELEASE, e.g. v1.2.3 or v1.2.3-rc.1";

    public bool IsStable => PreRelease is null;

    public string Version => $"{Major}.{Minor}.{Patch}" + (PreRelease is null ? "" : $"-{PreRelease}");

    public override string ToString() => $"v{Version}";

    /// <summary>A tag of the repository that is a release tag, or null (floating tags, branch tags, anything else).</summary>
    public static ReleaseTag? TryParse(string text)
    {
        try
        {
            return Parse(text);
        }
        catch (InputError)
        {
            return null;
        }
    }

    public static ReleaseTag Parse(string text)
    {
        var match = Pattern().Match(text);
        if (!match.Success)
            throw new InputError($"'{text}' is not a release tag: expected {ExpectedForm}");
        var pre = match.Groups["pre"].Success ? match.Groups["pre"].Value : null;
        if (pre is not null && pre.Split('.').Any(p => p.Length > 1 && p[0] == '0' && p.All(char.IsAsciiDigit)))
            throw new InputError($"'{text}' is not a release tag: numeric pre-release parts have no leading zeros; expected {ExpectedForm}");
        int Number(string group) => int.TryParse(match.Groups[group].Value, out var n)
            ? n
            : throw new InputError($"'{text}' is not a release tag: {group} version is too large; expected {ExpectedForm}");
        return new ReleaseTag(Number("major"), Number("minor"), Number("patch"), pre);
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
