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

    /// <summary>
    /// Who builds for an --engine value: the engine kind and this machine. Durations are recorded per machine, so
    /// that times measured by another engine or on another machine never become this run's expectations.
    /// </summary>
    public static string Machine(string kind) =>
        $"{(kind == "dagger" || (kind == "auto" && DaggerSession.IsPresent) ? "dagger" : "local")} engine on {Environment.MachineName}, {Environment.ProcessorCount} cores";

    private static IImageEngine Dagger(string imagesDirectory) =>
        new DaggerEngine(DaggerClient.FromEnvironment(), imagesDirectory);
}
