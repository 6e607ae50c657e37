using ImageTooling.Catalog;

namespace ImageTooling;

/// <summary>What a tag holds: an index of platform manifests, or one plain image manifest read as its one platform.</summary>
public sealed record RemoteIndex(string Digest, IReadOnlyList<RemoteManifest> Manifests)
{
    /// <summary>The tag points at a plain image manifest, not an index (what Dagger v0.21.8 pushes for one platform).</summary>
    public bool IsPlainManifest { get; init; }

    /// <summary>Each platform's manifest digest (platform → digest).</summary>
    public IReadOnlyDictionary<Platform, string> Platforms() => Manifests.ToDictionary(m => m.Platform, m => m.Digest);
}
