using ImageTooling.Catalog;

namespace ImageTooling;

/// <summary>One multi-arch index to push: the image's platform variants under its tags, in order.</summary>
public sealed record PublishTarget(ImageDefinition Image, string Repository, IReadOnlyList<string> Tags)
{
    public string Reference(string tag) => $"{Repository}:{tag}";
}
