using ImageTooling.Catalog;

namespace ImageTooling;

/// <summary>One image built for one platform; a derived image points at the node of its base on the same platform.</summary>
public sealed record BuildNode(
    ImageDefinition Image,
    Platform Platform,
    BuildNode? Base,
    string? BaseImage,
    IReadOnlyDictionary<string, string> BuildArgs,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<SmokeTest> SmokeTests)
{
    public string Id => $"{Image.Name} {Platform}";
}
