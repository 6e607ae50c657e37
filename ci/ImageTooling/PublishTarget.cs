using ImageTooling.Catalog;

namespace ImageTooling;

/// <summary>One multi-arch index to push: the image's platform variants under its tags, in order.</summary>
/// <param name="Repository">Where the image goes, with no tag or digest.</param>
public sealed record PublishTarget(ImageDefinition Image, ImageReference Repository, IReadOnlyList<string> Tags)
{
    public ImageReference Reference(string tag) => Repository.WithTag(tag);
}
