namespace ImageTooling.Scheduling;

/// <summary>One piece of work that takes a slot: a node's build, or its smoke tests.</summary>
public readonly record struct SlotWork(BuildNode Node, bool SmokeTest);

/// <summary>
/// Hands a fixed number of slots to work, the highest priority first among the work that is ready.
/// Work becomes ready when the work it comes after has finished successfully, and that happens in
/// <see cref="Finished"/> before the finished work's slot is handed on, so a dependant that has just
/// become ready competes for that very slot.
/// </summary>
public sealed class SlotGate
{
    private sealed class Entry(double priority, int order, SlotWork? after)
    {
        public double Priority { get; } = priority;
        public int Order { get; } = order;
        public SlotWork? After { get; } = after;
        public bool Ready { get; set; } = after is null;
        public bool Granted { get; set; }
        /// <summary>Its waiter gave up (cancelled) before the grant: never granted.</summary>
        public bool Withdrawn { get; set; }
        public TaskCompletionSource Grant { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly Lock sync = new();
    private readonly Dictionary<SlotWork, Entry> entries = [];
    private int free;

    private SlotGate(int slots) => free = Math.Max(1, slots);

    /// <summary>Every build (after its base's build) and, when they run, every node's smoke tests (after its build).</summary>
    public static SlotGate For(Schedule schedule)
    {
        var gate = new SlotGate(schedule.Slots);
        foreach (var node in schedule.Nodes)
        {
            gate.Add(new SlotWork(node, false), schedule.Remaining(node), node.Base is null ? null : new SlotWork(node.Base, false));
            if (schedule.SmokeTests)
                gate.Add(new SlotWork(node, true), schedule.Expected(node).SmokeSeconds, new SlotWork(node, false));
        }
        gate.Dispatch();
        return gate;
    }

    private void Add(SlotWork work, double priority, SlotWork? after) => entries[work] = new Entry(priority, entries.Count, after);

    /// <summary>
    /// Completes when <paramref name="work"/> holds a slot; the holder must call <see cref="Finished"/>. Cancelled, it
    /// holds no slot: work granted as the cancellation came hands its slot on, and work not granted yet never will be.
    /// </summary>
    public async Task WhenGranted(SlotWork work, CancellationToken cancellation)
    {
        var entry = entries[work];
        try
        {
            await entry.Grant.Task.WaitAsync(cancellation);
        }
        catch (OperationCanceledException)
        {
            bool granted;
            lock (sync)
            {
                granted = entry.Granted;
                entry.Withdrawn = true;
            }
            if (granted) Finished(work, succeeded: false);
            throw;
        }
    }

    /// <summary>Frees the slot of <paramref name="work"/>; what comes after it becomes ready only when it succeeded.</summary>
    public void Finished(SlotWork work, bool succeeded)
    {
        lock (sync)
        {
            free++;
            if (succeeded)
                foreach (var entry in entries.Values.Where(e => e.After == work))
                    entry.Ready = true;
        }
        Dispatch();
    }

    private void Dispatch()
    {
        var granted = new List<Entry>();
        lock (sync)
        {
            var waiting = entries.Values.Where(e => e.Ready && !e.Granted && !e.Withdrawn).OrderByDescending(e => e.Priority).ThenBy(e => e.Order);
            foreach (var entry in waiting.Take(free).ToList())
            {
                entry.Granted = true;
                granted.Add(entry);
                free--;
            }
        }
        foreach (var entry in granted) entry.Grant.TrySetResult();
    }
}
