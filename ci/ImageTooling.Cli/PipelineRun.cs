using ImageTooling.Scheduling;
using Spectre.Console;

namespace ImageTooling.Cli;

/// <summary>
/// One run of the pipeline as the command line shows it: the live table on a terminal or the plain
/// timestamped lines, the expected times from the last run, and at the end (also after a failure)
/// the per-node timing summary and the durations recorded for the next run.
/// </summary>
internal static class PipelineRun
{
    public static async Task<T> RunAsync<T>(
        Func<DurationHistory, IImageEngine> engine, int jobs, string logDirectory, TextWriter output, bool live, bool recordDurations,
        Func<Pipeline, Task<T>> run)
    {
        var historyPath = Path.Combine(logDirectory, DurationHistory.FileName);
        var history = DurationHistory.Load(historyPath);
        var view = live ? new LiveView(AnsiConsole.Console) : null;
        var pipeline = new Pipeline(engine(history), view?.Log ?? output, jobs) { Expected = history.For, Observer = view };
        try
        {
            return await run(pipeline);
        }
        finally
        {
            if (view is not null) await view.DisposeAsync();
            if (pipeline.LastRun is { } board)
            {
                output.Write(ScheduleReports.Run(board));
                if (recordDurations) Record(history.With(board.Statuses), historyPath, output);
            }
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
