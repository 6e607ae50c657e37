namespace ImageTooling.Catalog;

/// <summary>An image of the catalog: built <c>from</c> a pinned base image or on another image (<c>base</c>).</summary>
public sealed record ImageDefinition(
    string Name,
    string Description,
    string Folder,
    ImageOrigin Origin,
    IReadOnlyList<Platform> Platforms,
    IReadOnlyList<string> Tools,
    IReadOnlyList<SmokeTest> Smoke,
    SourceSpot Spot)
{
    public string Dockerfile => $"{Folder}/Dockerfile";

    /// <summary>The catalog image this one is built on (<c>base:</c>), or null.</summary>
    public string? Base => (Origin as ParentImage)?.Image;

    /// <summary>The pinned base image this one starts from (<c>from:</c>), or null.</summary>
    public string? From => (Origin as PinnedBaseImage)?.Name;

    /// <summary>How long a cold build of this image takes per platform, for scheduling before any run has been timed.</summary>
    public IReadOnlyDictionary<Platform, double> ExpectedBuildSeconds { get; init; } = new Dictionary<Platform, double>();
}
