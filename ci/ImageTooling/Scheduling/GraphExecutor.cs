namespace ImageTooling.Scheduling;

/// <summary>One piece of work that takes a slot: a node's build, or its smoke tests.</summary>
public readonly record struct SlotWork(BuildNode Node, bool SmokeTest)
{
    /// <summary>What must have succeeded first: a build comes after its base's build, smoke tests after their own build.</summary>
    public SlotWork? After => SmokeTest ? new SlotWork(Node, false) : Node.Base is { } parent ? new SlotWork(parent, false) : null;
}

/// <summary>
/// The one place the build graph is run: every build (after its base's build) and, when they run, every node's smoke
/// tests (after its build), at most <see cref="Schedule.Slots"/> at once, the longest remaining path first among the
/// work that is ready. Work that finishes frees its slot and makes what comes after it ready in the same step, so a
/// dependant competes for that very slot. Work whose predecessor failed, or that was still waiting when the run was
/// cancelled, never starts: it is handed to <c>notRun</c> with the reason, as a status, not an exception.
/// </summary>
public sealed class GraphExecutor(Schedule schedule)
{
    /// <param name="run">Does one piece of work and says whether it succeeded; an exception counts as a failure.</param>
    /// <param name="ready">Called when work becomes ready (its wait for a slot starts).</param>
    /// <param name="notRun">Called once for every piece of work that will not run, with the reason.</param>
    public async Task RunAsync(Func<SlotWork, Task<bool>> run, Action<SlotWork> ready, Action<SlotWork, string> notRun, CancellationToken cancellation)
    {
        var work = schedule.Nodes.SelectMany(n => schedule.SmokeTests ? new[] { new SlotWork(n, false), new SlotWork(n, true) } : [new SlotWork(n, false)]).ToList();
        var order = work.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i);
        double Priority(SlotWork w) => w.SmokeTest ? schedule.Expected(w.Node).SmokeSeconds : schedule.Remaining(w.Node);

        var waiting = work.Where(w => w.After is null).ToList();
        waiting.ForEach(ready);
        var running = new Dictionary<Task<bool>, SlotWork>();
        while (true)
        {
            if (cancellation.IsCancellationRequested)
            {
                foreach (var w in waiting) NotRun(w, "cancelled");
                waiting.Clear();
            }
            foreach (var next in waiting.OrderByDescending(Priority).ThenBy(w => order[w]).Take(schedule.Slots - running.Count).ToList())
            {
                waiting.Remove(next);
                running[Start(next)] = next;
            }
            if (running.Count == 0) return;
            var finished = await Task.WhenAny(running.Keys);
            var done = running[finished];
            running.Remove(finished);
            var succeeded = finished.IsCompletedSuccessfully && finished.Result;
            foreach (var dependant in work.Where(w => w.After == done))
            {
                if (succeeded)
                {
                    ready(dependant);
                    waiting.Add(dependant);
                }
                else
                {
                    NotRun(dependant, done.SmokeTest ? "its smoke tests failed" : done.Node == dependant.Node ? "not built" : "not built: its base failed");
                }
            }
        }

        Task<bool> Start(SlotWork w) => Task.Run(() => run(w), CancellationToken.None);

        void NotRun(SlotWork w, string reason)
        {
            notRun(w, reason);
            foreach (var dependant in work.Where(d => d.After == w))
                NotRun(dependant, w.Node == dependant.Node || reason == "cancelled" ? reason : "not built: its base failed");
        }
    }
}
