namespace ImageTooling;

/// <summary>What the publish protocol needs to ask a registry before it writes anything.</summary>
public interface IRegistry
{
    /// <summary>Throws <see cref="InputError"/> when the registry refuses the credentials for pushing to the repository.</summary>
    Task CheckCredentialsAsync(ImageReference repository, RegistryCredentials credentials, CancellationToken cancellation);

    /// <summary>The index under a reference's tag or digest, or null when it does not exist; null credentials read anonymously.</summary>
    Task<RemoteIndex?> GetIndexAsync(ImageReference reference, RegistryCredentials? credentials, CancellationToken cancellation);

    /// <summary>Every tag of the repository (all pages); empty when the repository does not exist yet.</summary>
    Task<IReadOnlyList<string>> ListTagsAsync(ImageReference repository, RegistryCredentials? credentials, CancellationToken cancellation);

    /// <summary>
    /// Points <paramref name="tag"/> at the manifest or index <paramref name="manifest"/> (by digest) already in its repository, as a
    /// registry-side copy (the same bytes, so the same digest; nothing is rebuilt or re-uploaded). Returns the digest
    /// the registry reports for the tag afterwards.
    /// </summary>
    Task<string> TagAsync(ImageReference manifest, string tag, RegistryCredentials credentials, CancellationToken cancellation);

    /// <summary>
    /// Points <paramref name="reference"/> (a tag) at a new OCI index of <paramref name="manifests"/>, plain image manifests already in
    /// the repository, each with the platform its config states; the same manifests always make the same index (and
    /// digest). It assembles staged platforms, and gives a one-platform publish the multi-arch form. Returns the index digest.
    /// </summary>
    Task<string> PutIndexAsync(ImageReference reference, IReadOnlyList<RemoteManifest> manifests, RegistryCredentials credentials, CancellationToken cancellation);

    /// <summary>
    /// Pushes the one image manifest of an OCI image layout into the repository by digest, with no tag (a staged
    /// platform image): the blobs the repository lacks, then the manifest. Returns the manifest digest.
    /// </summary>
    Task<string> PushLayoutAsync(ImageReference repository, string layout, RegistryCredentials credentials, CancellationToken cancellation);
}
