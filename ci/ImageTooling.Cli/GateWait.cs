using System.Diagnostics;

namespace ImageTooling.Cli;

/// <summary>Time as a wait sees it: how long it has waited, and a pause.</summary>
internal interface IWaitClock
{
    TimeSpan Elapsed { get; }

    Task PauseAsync(TimeSpan duration, CancellationToken cancellation);
}

/// <summary>The machine's own clock.</summary>
internal sealed class SystemWaitClock : IWaitClock
{
    private readonly Stopwatch watch = Stopwatch.StartNew();

    public TimeSpan Elapsed => watch.Elapsed;

    public Task PauseAsync(TimeSpan duration, CancellationToken cancellation) => Task.Delay(duration, cancellation);
}

/// <param name="Limit">How long the wait may last: after it, the gate fails with <paramref name="WhenGivingUp"/>.</param>
/// <param name="Interval">The pause between two questions.</param>
/// <param name="WhenGivingUp">What the maintainer does when the wait gave up, e.g. "re-run this release when ci passed".</param>
internal sealed record WaitLimits(TimeSpan Limit, TimeSpan Interval, string WhenGivingUp);

/// <summary>
/// The release gate's waits: ask, and while the answer is <see cref="GateState.Waiting"/>, pause and ask again, until
/// the limit. Every answer is reported (one line each), and the wait always ends with a passed or failed verdict that
/// says why. It lasts at most <see cref="WaitLimits.Limit"/> plus one question (a question that cannot be answered, such
/// as GitHub out of reach, counts as waiting); each question is bounded by its asker (<see cref="GhWorkflowRuns.CallTimeout"/>).
/// </summary>
internal static class GateWait
{
    public static async Task<GateVerdict> UntilDecidedAsync(
        Func<TimeSpan, CancellationToken, Task<GateVerdict>> ask, WaitLimits limits, IWaitClock clock, Action<string> report, CancellationToken cancellation)
    {
        while (true)
        {
            GateVerdict verdict;
            try
            {
                verdict = await ask(clock.Elapsed, cancellation);
            }
            catch (WorkflowRunsUnreadable e)
            {
                verdict = new GateVerdict(GateState.Waiting, $"could not read the runs ({e.Message})");
            }
            if (verdict.State != GateState.Waiting)
                return verdict;
            report(verdict.ToString());
            var left = limits.Limit - clock.Elapsed;
            if (left <= TimeSpan.Zero)
                return new GateVerdict(GateState.Failed, $"gave up after {Minutes(limits.Limit)}: {verdict.Message}; {limits.WhenGivingUp}");
            await clock.PauseAsync(left < limits.Interval ? left : limits.Interval, cancellation);
        }
    }

    private static string Minutes(TimeSpan span) => span.TotalMinutes == 1 ? "1 minute" : $"{span.TotalMinutes:0.#} minutes";
}
