namespace ImageTooling;

/// <summary>What the publish protocol needs to ask a registry before it writes anything.</summary>
public interface IRegistry
{
    /// <summary>Throws <see cref="InputError"/> when the registry refuses the credentials for pushing to the repository.</summary>
    Task CheckCredentialsAsync(string repository, RegistryCredentials credentials, CancellationToken cancellation);

    /// <summary>The index under a tag, or null when the tag does not exist.</summary>
    Task<RemoteIndex?> GetIndexAsync(string repository, string tag, RegistryCredentials credentials, CancellationToken cancellation);

    /// <summary>Every tag of the repository (all pages); empty when the repository does not exist yet.</summary>
    Task<IReadOnlyList<string>> ListTagsAsync(string repository, RegistryCredentials? credentials, CancellationToken cancellation);

    /// <summary>
    /// Points <paramref name="tag"/> at the manifest or index <paramref name="digest"/> already in the repository, as a
    /// registry-side copy (the same bytes, so the same digest; nothing is rebuilt or re-uploaded). Returns the digest
    /// the registry reports for the tag afterwards.
    /// </summary>
    Task<string> TagAsync(string repository, string digest, string tag, RegistryCredentials credentials, CancellationToken cancellation);

    /// <summary>
    /// Points <paramref name="tag"/> at a new OCI index holding only <paramref name="manifest"/>, a plain image manifest
    /// already in the repository, with its platform: the multi-arch form of a one-platform publish. Returns the index digest.
    /// </summary>
    Task<string> IndexOfOneAsync(string repository, string tag, RemoteManifest manifest, RegistryCredentials credentials, CancellationToken cancellation);
}
