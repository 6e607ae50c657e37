namespace ImageTooling.Catalog;

/// <summary>Everything the images are made of: the single source of names, versions and checks.</summary>
public sealed record ImageCatalog(
    string Directory,
    string Registry,
    string Source,
    string License,
    IReadOnlyDictionary<string, string> BaseImages,
    IReadOnlyDictionary<string, Tool> Tools,
    IReadOnlyList<ImageDefinition> Images)
{
    /// <summary>
    /// The check that no fix waits in Debian's security archive for an image's packages: a smoke test of every image and
    /// platform (so a build without the fixes available when it ran is not released), and what <c>imagetool
    /// security-status</c> runs in the published images.
    /// </summary>
    public SmokeTest SecurityCheck { get; init; } = new("has no pending Debian security update", "true", "", Network: true);

    public ImageDefinition Image(string name) => Images.First(i => i.Name == name);

    public IEnumerable<Tool> ToolsOf(ImageDefinition image) => image.Tools.Select(t => Tools[t]);

    /// <summary>Every tool that comes from an upstream download, with that download.</summary>
    public IEnumerable<(Tool Tool, Download Download)> Downloads => Downloaded(Tools.Values);

    /// <summary>The tools among <paramref name="tools"/> that come from an upstream download, with that download.</summary>
    public static IEnumerable<(Tool Tool, Download Download)> Downloaded(IEnumerable<Tool> tools) =>
        tools.SelectMany(t => t.Source is Download d ? [(t, d)] : Array.Empty<(Tool, Download)>());

    /// <summary>The image's own tools and those of every image below it.</summary>
    public IEnumerable<Tool> AllToolsOf(ImageDefinition image) =>
        (image.Base is null ? [] : AllToolsOf(Image(image.Base))).Concat(ToolsOf(image));
}
