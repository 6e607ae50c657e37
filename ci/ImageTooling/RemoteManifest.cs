using ImageTooling.Catalog;

namespace ImageTooling;

/// <summary>One platform manifest of an index as the registry holds it.</summary>
public sealed record RemoteManifest(Platform Platform, string Digest, string ConfigDigest)
{
    /// <summary>The image's <see cref="InputsDigest.Label"/> label, when its config has one.</summary>
    public string? Inputs { get; init; }

    /// <summary>
    /// How an index entry describes the manifest (media type, size in bytes, the config's platform variant), when the
    /// reader learnt it; an index of it is then written without reading the manifest and its config again.
    /// </summary>
    public ManifestDescriptor? Descriptor { get; init; }
}

/// <param name="Variant">The platform variant the image config states (arm64's <c>v8</c>), or null when it states none.</param>
public sealed record ManifestDescriptor(string MediaType, long Size, string? Variant);
