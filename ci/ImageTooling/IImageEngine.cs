using ImageTooling.Catalog;

namespace ImageTooling;

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
    Task<string> PublishAsync(ImageReference reference, IReadOnlyList<BuiltImage> variants, RegistryCredentials credentials, CancellationToken cancellation);

    /// <summary>
    /// Writes one platform variant as an OCI image layout (<c>index.json</c> naming exactly one manifest, gzip layers) into
    /// the empty directory <paramref name="layout"/>: what a staging run pushes by digest (<see cref="IRegistry.PushLayoutAsync"/>).
    /// </summary>
    Task ExportLayoutAsync(BuiltImage variant, string layout, CancellationToken cancellation);
}
