using ImageTooling.Dagger;
using ImageTooling.Local;

namespace ImageTooling.Cli;

/// <summary>What a run's engine is made from: the --engine value, the images, the log folder and the registry cache.</summary>
/// <param name="RegistryCache">A repository (HOST/PATH) the local engine pulls the images of unchanged inputs from and pushes new ones to.</param>
/// <param name="NativeOnly">Every node of the plan is for this machine's own architecture: the local engine needs no emulator
/// (CI's platform legs run on native runners, where none is installed).</param>
/// <param name="Environment">The environment the command runs in (a Dagger session is found there); null: the process's.</param>
/// <param name="SetupOutput">Where the local engine's set-up shows its lines (the command's standard error).</param>
internal sealed record EngineSettings(string Kind, string ImagesDirectory, string LogDirectory, string? RegistryCache = null, bool NativeOnly = false,
    Func<string, string?>? Environment = null, TextWriter? SetupOutput = null);

/// <summary>
/// Chooses the engine: Dagger when this process runs inside a Dagger session (<c>dagger run</c>), else the local
/// podman engine, which runs the checkout's ci/install-local-engine.sh first (the one place that decides when it runs).
/// </summary>
internal static class Engines
{
    public static IImageEngine Create(EngineSettings settings)
    {
        var environment = settings.Environment ?? Environment.GetEnvironmentVariable;
        var dagger = settings.Kind switch
        {
            "auto" => DaggerSession.IsPresentIn(environment),
            "local" => false,
            "dagger" => DaggerSession.IsPresentIn(environment)
                ? true
                : throw new InputError("--engine dagger needs a Dagger session: run this under 'dagger run' "
                    + "(DAGGER_SESSION_PORT is not set)"),
            var kind => throw new InputError($"unknown engine '{kind}' (valid: auto, local, dagger)"),
        };
        if (!dagger)
        {
            var setup = Path.GetFullPath(Path.Combine(settings.ImagesDirectory, "..", "ci", "install-local-engine.sh"));
            return new PodmanEngine(settings.ImagesDirectory, settings.LogDirectory, settings.RegistryCache)
            {
                NativeOnly = settings.NativeOnly,
                SetupScript = File.Exists(setup) ? setup : null,
                SetupOutput = settings.SetupOutput,
            };
        }
        if (settings.RegistryCache is not null)
            throw new InputError("--registry-cache is the local engine's; the Dagger engine "
                + "keeps its own cache between runs (docs/dagger.md)");
        return new DaggerEngine(DaggerClient.FromEnvironment(environment), settings.ImagesDirectory);
    }

    /// <summary>
    /// Who builds for an --engine value: the engine kind and this machine. Durations are recorded per machine, so
    /// that times measured by another engine or on another machine never become this run's expectations.
    /// </summary>
    public static string Machine(string kind, Func<string, string?> environment) =>
        $"{(kind == "dagger" || (kind == "auto" && DaggerSession.IsPresentIn(environment)) ? "dagger" : "local")} engine on {Environment.MachineName}, {Environment.ProcessorCount} cores";
}
