using System.Diagnostics;
using ImageTooling.Cli;

namespace ImageTooling.Tests;

/// <summary>
/// The imagetool command line run in this process, its writers captured and its engine, environment and GitHub runs
/// injected: the same parsing, exit codes and output as the program, without starting <c>dotnet</c> per case.
/// </summary>
internal static class InProcessImagetool
{
    public static ImageTooling.Testing.Imagetool.Result Run(params string[] args) => Run((IImageEngine?)null, args);

    /// <param name="engine">The engine of build, test and publish-multi-arch (default: what --engine chooses).</param>
    public static ImageTooling.Testing.Imagetool.Result Run(IImageEngine? engine, params string[] args) =>
        Run(engine is null ? null : _ => engine, args);

    /// <param name="engines">What makes the engine from the run's settings (default: what --engine chooses).</param>
    public static ImageTooling.Testing.Imagetool.Result Run(Func<EngineSettings, IImageEngine>? engines, params string[] args) =>
        Run(new Options { Engines = engines }, args);

    /// <param name="environment">Variables that differ from this process's; a null value is a variable that is not set.</param>
    public static ImageTooling.Testing.Imagetool.Result Run(IDictionary<string, string?> environment, params string[] args) =>
        Run(new Options { Environment = environment }, args);

    public static ImageTooling.Testing.Imagetool.Result Run(Options options, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var clock = Stopwatch.StartNew();
        // Outside a Dagger session whatever shell runs the tests, as the real process is started by the end-to-end tier.
        var environment = new Dictionary<string, string?> { ["DAGGER_SESSION_PORT"] = null };
        foreach (var (name, value) in options.Environment ?? new Dictionary<string, string?>()) environment[name] = value;
        var exit = Commands.InvokeAsync(args, output, error, engines: options.Engines,
            environment: name => environment.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name),
            workflowRuns: options.WorkflowRuns).GetAwaiter().GetResult();
        return new ImageTooling.Testing.Imagetool.Result(exit, output.ToString(), error.ToString(), clock.Elapsed);
    }

    public sealed record Options
    {
        public Func<EngineSettings, IImageEngine>? Engines { get; init; }
        public IDictionary<string, string?>? Environment { get; init; }
        public Func<string, IWorkflowRuns>? WorkflowRuns { get; init; }
    }
}
