using ImageTooling.Reporting;
using ImageTooling.Scheduling;
using Spectre.Console;

namespace ImageTooling.Cli;

/// <summary>
/// One run of the pipeline as the command line shows it: the live table on a terminal or the plain
/// timestamped lines, the expected times from the last run on this machine, and at the end (also after a
/// failure) the per-node timing summary, the run report when asked for, and the durations recorded for the next run.
/// </summary>
/// <param name="MetadataFile">Where the run report goes; <c>-</c> is <paramref name="StandardOutput"/> (the printed lines then go elsewhere).</param>
/// <param name="Machine">Who builds (engine kind and machine): durations recorded elsewhere are not this run's expectations.</param>
internal sealed record PipelineRun(
    string Command, IImageEngine Engine, int Jobs, string LogDirectory, string? MetadataFile, string Machine, TextWriter StandardOutput)
{
    /// <param name="output">Where the printed lines go (people read them; they may change freely).</param>
    public async Task<T> RunAsync<T>(BuildPlan plan, TextWriter output, bool live, Func<Pipeline, Task<T>> run)
    {
        var historyPath = Path.Combine(LogDirectory, DurationHistory.FileName);
        var history = DurationHistory.Load(historyPath, Machine);
        var view = live ? new LiveView(AnsiConsole.Console) : null;
        var pipeline = new Pipeline(Engine, view?.Log ?? output, Jobs) { Expected = history.For, Observer = view };
        var succeeded = false;
        try
        {
            var result = await run(pipeline);
            succeeded = true;
            return result;
        }
        finally
        {
            if (view is not null) await view.DisposeAsync();
            if (pipeline.LastRun is { } board)
            {
                output.Write(ScheduleReports.Run(board));
                var next = history.With(board.Statuses);
                if (!ReferenceEquals(next, history)) Record(next, historyPath, output);
            }
            if (MetadataFile is { } file)
                WriteReport(RunReport.From(Command, Engine.Name, succeeded, pipeline.LastRun, plan.Publish, pipeline.LastPublished, pipeline.LastStaged), file, succeeded);
        }
    }

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
