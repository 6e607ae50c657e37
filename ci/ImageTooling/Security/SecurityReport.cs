using ImageTooling.Catalog;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageTooling.Security;

/// <summary>A fix Debian's security archive holds for a package of an image: the version installed and the fixed one.</summary>
public sealed record PendingFix(string Package, string Installed, string Fixed);

/// <summary>A tool of the catalog whose source offers another version than the image holds.</summary>
/// <param name="Pinned">The catalog's version of the tool.</param>
/// <param name="Available">What its source offers now (Debian's candidate for a Debian package).</param>
public sealed record ToolUpdate(string Tool, string Pinned, string Installed, string Available);

/// <summary>
/// What <c>imagetool security-status</c> found in one published image on one platform: the fixes waiting for its
/// packages, the tools with another version available, the tools it could not ask about (and why), and the error that
/// kept it from looking, if one did.
/// </summary>
public sealed record ImageSecurity(
    string Image, Platform Platform, string Reference, string? Digest, IReadOnlyList<PendingFix> Pending, IReadOnlyList<ToolUpdate> ToolUpdates,
    IReadOnlyList<string> NotAsked, string? Error)
{
    public bool Clean => Error is null && Pending.Count == 0;
}

/// <summary>The report of one <c>security-status</c> run (its JSON is <c>--metadata-file</c>'s): every image and platform checked.</summary>
public sealed record SecurityReport(int Version, string Tag, DateTimeOffset Checked, IReadOnlyList<ImageSecurity> Images)
{
    public const int CurrentVersion = 1;

    /// <summary>Something waits: a pending fix, or an image that could not be checked.</summary>
    public bool Pending => Images.Any(i => !i.Clean);

    public string ToJson() => JsonSerializer.Serialize(this, Options) + "\n";

    public static SecurityReport Parse(string json) =>
        JsonSerializer.Deserialize<SecurityReport>(json, Options) ?? throw new InputError("not a security-status report");

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
