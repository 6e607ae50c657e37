using ImageTooling.Catalog;

namespace ImageTooling.Reporting;

/// <summary>One image × platform of a run: its inputs digest, where it ended, its timings (seconds) and its smoke tests.</summary>
public sealed record NodeReport(
    string Image, Platform Platform, string? InputsDigest, string Status, double? BuildSeconds, double? SmokeSeconds, double WaitedSeconds,
    IReadOnlyList<SmokeResult> SmokeTests)
{
    /// <summary>The image was pulled from the registry cache (the same inputs built before), not built.</summary>
    public bool FromCache { get; init; }
}
