namespace ImageTooling;

/// <summary>One platform manifest of an index as the registry holds it.</summary>
public sealed record RemoteManifest(string Platform, string Digest, string ConfigDigest)
{
    /// <summary>The image's <see cref="InputsDigest.Label"/> label, when its config has one.</summary>
    public string? Inputs { get; init; }
}
