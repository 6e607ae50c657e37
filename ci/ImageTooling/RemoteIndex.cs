namespace ImageTooling;

public sealed record RemoteIndex(string Digest, IReadOnlyList<RemoteManifest> Manifests);
