using ImageTooling.Catalog;

namespace ImageTooling;

/// <summary>An image an engine has built for one node of the plan. <c>Handle</c> means something only to that engine.</summary>
public sealed record BuiltImage(BuildNode Node, string Handle)
{
    /// <summary>The image's config digest when the engine knows it; it identifies the content in a registry.</summary>
    public string? ConfigDigest { get; init; }
}

public sealed record CommandResult(int ExitCode, string Output);

/// <summary>
/// A registry password or token. It prints as stars, so it cannot leak through a log line or a message.
/// <c>Source</c> says where it came from (e.g. <c>env://DOCKERHUB_TOKEN</c>), so that an engine with its
/// own secret store can resolve it there instead of ever receiving the value.
/// </summary>
public sealed class Secret(string value, string? source = null)
{
    public string? Source => source;
    public string Reveal() => value;
    public override string ToString() => "***";

    public static Secret FromEnvironment(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? new Secret(value, $"env://{variable}")
            : throw new InputError($"missing credentials: the environment variable {variable} is not set (the registry token is read only from the environment, never from the command line)");
}

public sealed record RegistryCredentials(string Username, Secret Password);

/// <summary>The one port between the pipeline and whatever builds, runs and pushes images.</summary>
public interface IImageEngine
{
    string Name { get; }

    /// <summary>Checks that the engine's prerequisites are present; throws <see cref="InputError"/> naming what is missing.</summary>
    Task CheckReadyAsync(CancellationToken cancellation);

    /// <summary>Refuses credentials this engine could not use for pushing (checked before anything is built).</summary>
    Task CheckCredentialsAsync(RegistryCredentials credentials, CancellationToken cancellation);

    /// <summary>Builds a node; a derived node receives its base as built in this same run, for the same platform.</summary>
    Task<BuiltImage> BuildAsync(BuildNode node, BuiltImage? baseImage, CancellationToken cancellation);

    /// <summary>Runs <c>/bin/sh -c test.Run</c> in a fresh container of the image, without its entry point.</summary>
    Task<CommandResult> RunAsync(BuiltImage image, SmokeTest test, CancellationToken cancellation);

    /// <summary>Pushes the platform variants as one multi-arch index under <paramref name="reference"/> and returns the index digest.</summary>
    Task<string> PublishAsync(string reference, IReadOnlyList<BuiltImage> variants, RegistryCredentials credentials, CancellationToken cancellation);
}

/// <summary>One platform manifest of an index as the registry holds it.</summary>
public sealed record RemoteManifest(string Platform, string Digest, string ConfigDigest)
{
    /// <summary>The image's <see cref="InputsDigest.Label"/> label, when its config has one.</summary>
    public string? Inputs { get; init; }
}

public sealed record RemoteIndex(string Digest, IReadOnlyList<RemoteManifest> Manifests);

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
}
