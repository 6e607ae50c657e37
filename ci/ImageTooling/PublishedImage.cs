using ImageTooling.Catalog;

namespace ImageTooling;

public sealed record PublishedImage(ImageReference Repository, string Tag, string Digest, bool Unchanged)
{
    /// <summary>For a floating tag: whether it moved and why (a tag that stays has no digest here).</summary>
    public FloatingTagDecision? Floating { get; init; }

    /// <summary>The digest of each platform's manifest in the index, as the registry holds it (platform → digest).</summary>
    public IReadOnlyDictionary<Platform, string> Platforms { get; init; } = new Dictionary<Platform, string>();
}
