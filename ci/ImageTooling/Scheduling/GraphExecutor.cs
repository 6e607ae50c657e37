using ImageTooling.Catalog;

namespace ImageTooling.Scheduling;

/// <summary>One piece of work that takes a slot: a node's build, or one of its smoke tests.</summary>
public readonly record struct SlotWork(BuildNode Node, SmokeTest? Test = null)
{
    public bool IsSmokeTest => Test is not null;

    /// <summary>What must have succeeded first: a build comes after its base's build, a smoke test after its own node's build.</summary>
    public SlotWork? After => IsSmokeTest ? new SlotWork(Node) : Node.Base is { } parent ? new SlotWork(parent) : null;

    public override string ToString() => IsSmokeTest ? $"{Node.Id} smoke test '{Test!.Name}'" : $"{Node.Id} build";
}

/// <summary>
/// The one place the build graph is run: every build (after its base's build) and, when they run, every smoke test of
/// every node (after that node's build), at most <see cref="Schedule.Slots"/> at once. Among the work that is ready, a
/// build with the longest remaining path or the longest smoke test goes first (<see cref="Schedule"/>), so a node's
/// tests spread over the free slots. Work that finishes frees its slot and makes what comes after it ready in the same
/// step, so a dependant competes for that very slot. Work whose predecessor failed, or that was still waiting when the
/// run was cancelled, never starts: it is handed to <c>notRun</c> with the reason, as a status, not an exception.
/// </summary>
public sealed class GraphExecutor(Schedule schedule)
{
    /// <summary>Every piece of work of the schedule, in plan order: each node's build, then its smoke tests in catalog order.</summary>
    public IReadOnlyList<SlotWork> Work { get; } = schedule.Nodes
        .SelectMany(n => (schedule.SmokeTests ? n.SmokeTests : []).Select(t => new SlotWork(n, t)).Prepend(new SlotWork(n)))
        .ToList();

    /// <param name="run">Does one piece of work and says whether it succeeded; an exception counts as a failure.</param>
    /// <param name="ready">Called when work becomes ready (its wait for a slot starts).</param>
    /// <param name="notRun">Called once for every piece of work that will not run, with the reason.</param>
    public async Task RunAsync(Func<SlotWork, Task<bool>> run, Action<SlotWork> ready, Action<SlotWork, string> notRun, CancellationToken cancellation)
    {
        var order = Work.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i);
        double Priority(SlotWork w) => w.Test is { } test ? schedule.Expected(w.Node, test) : schedule.Remaining(w.Node);

        var waiting = Work.Where(w => w.After is null).ToList();
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
            foreach (var dependant in Work.Where(w => w.After == done))
            {
                if (succeeded)
                {
                    ready(dependant);
                    waiting.Add(dependant);
                }
                else
                {
                    NotRun(dependant, done.Node == dependant.Node ? "not built" : "not built: its base failed");
                }
            }
        }

        Task<bool> Start(SlotWork w) => Task.Run(() => run(w), CancellationToken.None);

        void NotRun(SlotWork w, string reason)
        {
            notRun(w, reason);
            foreach (var dependant in Work.Where(d => d.After == w))
                NotRun(dependant, w.Node == dependant.Node || reason == "cancelled" ? reason : "not built: its base failed");
        }
    }
}
