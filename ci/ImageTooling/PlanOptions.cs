namespace ImageTooling;

/// <summary>What one run is asked to do; everything here comes from the command line or the environment.</summary>
public sealed record PlanOptions
{
    public ReleaseTag? Release { get; init; }
    /// <summary>A branch image tag such as <c>feature-x-1a2b3c4</c>; never a release tag, never <c>latest</c>.</summary>
    public string? BranchTag { get; init; }
    public IReadOnlyList<string> Images { get; init; } = [];
    public IReadOnlyList<string> Platforms { get; init; } = [];
    public string? Registry { get; init; }
    public bool FloatingTags { get; init; } = true;
    public string Revision { get; init; } = "unknown";
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UnixEpoch;
    /// <summary>Serve every upstream download from <c>{mirror}/{host}/{path}</c> instead (offline tests, corporate mirrors).</summary>
    public string? DownloadMirror { get; init; }
    /// <summary>
    /// Tools whose downloads the mirror serves as stand-ins, not the real tools: their smoke tests are counted as
    /// run on stand-ins, and those that need the real tool's behaviour are skipped and said so.
    /// </summary>
    public IReadOnlyList<string> StandInTools { get; init; } = [];
    /// <summary>Replace a pinned base image of the catalog, e.g. with a locally mirrored copy.</summary>
    public IReadOnlyDictionary<string, string> BaseImageOverrides { get; init; } = new Dictionary<string, string>();
}
