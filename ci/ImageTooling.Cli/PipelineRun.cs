using System.CommandLine;
using ImageTooling.Local;
using ImageTooling.Reporting;
using ImageTooling.Scheduling;
using Spectre.Console;

namespace ImageTooling.Cli;

/// <summary>What a run's flow gets from the command line: where its lines go, who watches it, and the expected times.</summary>
internal sealed record RunSettings(TextWriter Log, IPipelineObserver? Observer, Func<BuildNode, ExpectedTime> Expected);

/// <summary>
/// One run of a command as the command line shows it: the live table on a terminal or the plain timestamped lines, the
/// expected times from the last run on this machine, and at the end (also after a failure) the per-node timing summary,
/// the run report when asked for, and the durations recorded for the next run. The flow returns what it did; a failure
/// in it becomes the command's error once the report is written.
/// </summary>
/// <param name="Engine">What carried the run out, as the report names it.</param>
/// <param name="MetadataFile">Where the run report goes; <c>-</c> is <paramref name="StandardOutput"/> (the printed lines then go elsewhere).</param>
/// <param name="Machine">Who builds (engine kind and machine): durations recorded elsewhere are not this run's expectations.</param>
internal sealed record PipelineRun(
    string Command, string Engine, string LogDirectory, string? MetadataFile, string Machine, TextWriter StandardOutput)
{
    /// <param name="output">Where the printed lines go (people read them; they may change freely).</param>
    public async Task<ReleaseOutcome> RunAsync(BuildPlan plan, TextWriter output, bool live, Func<RunSettings, Task<ReleaseOutcome>> run)
    {
        var historyPath = Path.Combine(LogDirectory, DurationHistory.FileName);
        var history = DurationHistory.Load(historyPath, Machine);
        var view = live ? new LiveView(AnsiConsole.Console) : null;
        ReleaseOutcome? outcome = null;
        try
        {
            outcome = await run(new RunSettings(view?.Log ?? output, view, history.For));
        }
        finally
        {
            if (view is not null) await view.DisposeAsync();
            if (outcome?.Build is { } build)
            {
                output.Write(ScheduleReports.Run(build.Board));
                var next = history.With(build.Board.Statuses);
                if (!ReferenceEquals(next, history)) Record(next, historyPath, output);
            }
            if (MetadataFile is { } file)
                WriteReport(RunReport.From(Command, Engine, outcome, plan.Publish), file, outcome?.Succeeded == true);
        }
        return outcome.Failure is { } failure ? throw new PipelineFailure(failure) : outcome;
    }

    /// <summary>
    /// build, test, publish-multi-arch and stage: the plan from the options, the engine --engine names, then
    /// <paramref name="run"/> on a pipeline of that engine, shown and reported as one run of <paramref name="command"/>.
    /// </summary>
    public static async Task<ReleaseOutcome> OnEngineAsync(
        ParseResult r, string command, CommandContext c, Func<Pipeline, BuildPlan, Task<ReleaseOutcome>> run, CancellationToken cancellation)
    {
        var plan = await PlanOptionSet.CreateAsync(r, c, cancellation);
        var images = Path.GetFullPath(CatalogOptions.Directory(r));
        var logs = RunOptionSet.LogDirectory(r);
        var kind = r.GetValue(RunOptionSet.Engine)!;
        var jobs = RunOptionSet.JobCount(r);
        var engine = c.Engines(new EngineSettings(kind, images, logs, RunOptionSet.CacheRepository(r), PodmanEngine.IsNativeOnly(plan.Nodes.Select(n => n.Platform)), c.Environment, c.Error));
        var pipelineRun = new PipelineRun(command, engine.Name, logs, r.GetValue(RunOptionSet.MetadataFile), Engines.Machine(kind, c.Environment), c.Output);
        return await pipelineRun.RunAsync(plan, RunOptionSet.Printed(r, c), c.Live,
            settings => run(new Pipeline(engine, settings.Log, jobs) { Expected = settings.Expected, Observer = settings.Observer }, plan));
    }

    /// <summary>A build-only flow's outcome as a run's: what it built, nothing published, its failure.</summary>
    public static ReleaseOutcome Built(BuildOutcome build) => new(build, [], [], build.Failure);

    /// <summary>A report that cannot be written fails a run that succeeded (the release reads it); a failed run keeps its own error.</summary>
    private void WriteReport(RunReport report, string file, bool succeeded)
    {
        if (file == "-")
        {
            StandardOutput.Write(report.ToJson());
            return;
        }
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
            File.WriteAllText(file, report.ToJson());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // After a failure the run's own error is the one to report.
            if (succeeded) throw new PipelineFailure($"cannot write the run report to {file}: {e.Message}", e);
        }
    }

    private static void Record(DurationHistory history, string path, TextWriter output)
    {
        try
        {
            history.Save(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            output.WriteLine($"warning: cannot record the node durations in {path}: {e.Message}");
        }
    }
}
