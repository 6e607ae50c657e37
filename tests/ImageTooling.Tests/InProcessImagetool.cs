using System.Diagnostics;
using ImageTooling.Cli;

namespace ImageTooling.Tests;

/// <summary>
/// The imagetool command line run in this process, its writers captured and its engine injected: the same
/// parsing, exit codes and output as the program, without starting <c>dotnet</c> per case. Tests that need their
/// own environment variables run the real process instead (<see cref="ImageTooling.Testing.Imagetool"/>).
/// </summary>
internal static class InProcessImagetool
{
    public static ImageTooling.Testing.Imagetool.Result Run(params string[] args) => Run((IImageEngine?)null, args);

    /// <param name="engine">The engine of build, test and publish-multi-arch (default: what --engine chooses).</param>
    public static ImageTooling.Testing.Imagetool.Result Run(IImageEngine? engine, params string[] args) =>
        Run(engine is null ? null : _ => engine, args);

    /// <param name="engines">What makes the engine from the run's settings (default: what --engine chooses).</param>
    public static ImageTooling.Testing.Imagetool.Result Run(Func<EngineSettings, IImageEngine>? engines, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var clock = Stopwatch.StartNew();
        var exit = Commands.InvokeAsync(args, output, error, engines: engines).GetAwaiter().GetResult();
        return new ImageTooling.Testing.Imagetool.Result(exit, output.ToString(), error.ToString(), clock.Elapsed);
    }
}
