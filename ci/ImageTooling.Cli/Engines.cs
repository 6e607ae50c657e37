using ImageTooling.Dagger;
using ImageTooling.Local;

namespace ImageTooling.Cli;

/// <summary>
/// Chooses the engine: Dagger when this process runs inside a Dagger session (<c>dagger run</c>), else the local
/// podman engine.
/// </summary>
internal static class Engines
{
    public static IImageEngine Create(string kind, string imagesDirectory, string logDirectory) => kind switch
    {
        "auto" when DaggerSession.IsPresent => Dagger(imagesDirectory),
        "auto" or "local" => new PodmanEngine(imagesDirectory, logDirectory),
        "dagger" => DaggerSession.IsPresent
            ? Dagger(imagesDirectory)
            : throw new InputError("--engine dagger needs a Dagger session: run this under 'dagger run' "
                + "(DAGGER_SESSION_PORT is not set)"),
        _ => throw new InputError($"unknown engine '{kind}' (valid: auto, local, dagger)"),
    };

    private static IImageEngine Dagger(string imagesDirectory) =>
        new DaggerEngine(DaggerClient.FromEnvironment(), imagesDirectory);
}
