using System.Collections.Concurrent;
using ImageTooling.Scheduling;

namespace ImageTooling.Tests;

/// <summary>The one executor of the build graph, on the fixture catalog's nodes (base → derived, and other) with work the tests finish.</summary>
public class GraphExecutorTests
{
    private static readonly Dictionary<string, double> Hours = new() { ["base"] = 10, ["other"] = 5, ["derived"] = 1 };

    /// <summary>The fixture's nodes for linux/amd64: builds of <see cref="Hours"/>, smoke tests of 1 h per node (an even share each) unless <paramref name="tests"/> names a test's own hours.</summary>
    private static (Schedule Schedule, Dictionary<string, BuildNode> Node) Graph(int slots, bool smokeTests = false, Dictionary<string, double>? tests = null)
    {
        var plan = BuildPlan.Create(Repo.Fixture(), new PlanOptions { Platforms = ["linux/amd64"] });
        return (Schedule.For(plan.Nodes, n => new ExpectedTime(Hours[n.Image.Name], 1)
        {
            Tests = n.Image.Name == "base" && tests is not null ? tests : new Dictionary<string, double>(),
        }, smokeTests, slots), plan.Nodes.ToDictionary(n => n.Image.Name));
    }

    private static string Name(SlotWork w) => w.Node.Image.Name + (w.Test is { } t ? $" smoke {t.Name}" : "");

    private static bool IsBuild(string name) => !name.Contains(" smoke ", StringComparison.Ordinal);

    [Fact]
    public async Task Work_starts_after_what_it_comes_after_the_longest_path_first_never_more_than_the_slots_at_once()
    {
        var (schedule, nodes) = Graph(slots: 1, smokeTests: true);
        var started = new ConcurrentQueue<string>();
        var running = 0;
        var most = 0;
        await new GraphExecutor(schedule).RunAsync(async w =>
        {
            most = Math.Max(most, Interlocked.Increment(ref running));
            started.Enqueue(Name(w));
            await Task.Delay(5);
            Interlocked.Decrement(ref running);
            return true;
        }, _ => { }, (w, reason) => Assert.Fail($"{Name(w)} did not run: {reason}"), CancellationToken.None);

        Assert.Equal(1, most);
        Assert.Equal(nodes.Values.Sum(n => 1 + n.SmokeTests.Count), started.Count);
        // base (10 h + the derived chain) first, then other (5 h) and derived (1 h build + 1 h smoke tests); then the
        // smoke tests, the longest first: other's (1 h over 3 tests), derived's (over 6), base's (over 7).
        Assert.Equal(["base", "other", "derived"], started.Where(IsBuild));
        Assert.Equal(
            [.. nodes["other"].SmokeTests.Select(t => $"other smoke {t.Name}"), .. nodes["derived"].SmokeTests.Select(t => $"derived smoke {t.Name}"),
                .. nodes["base"].SmokeTests.Select(t => $"base smoke {t.Name}")],
            started.Where(n => !IsBuild(n)));
    }

    [Fact]
    public async Task The_smoke_tests_of_one_node_run_side_by_side_in_the_free_slots()
    {
        var (schedule, nodes) = Graph(slots: 2, smokeTests: true, tests: new() { ["help lists the tools"] = 20 });
        var runningOfBase = 0;
        var mostOfBase = 0;
        var gate = new object();
        // A test waits (up to a bound that only a serial executor reaches) until another runs beside it, so a busy machine
        // that starts the second one late cannot make the two look serial.
        var overlapped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await new GraphExecutor(schedule).RunAsync(async w =>
        {
            if (w.Test is null || w.Node.Image.Name != "base")
                return true;
            lock (gate)
            {
                mostOfBase = Math.Max(mostOfBase, ++runningOfBase);
                if (runningOfBase >= 2) overlapped.TrySetResult();
            }
            await Task.WhenAny(overlapped.Task, Task.Delay(TimeSpan.FromSeconds(30)));
            await Task.Delay(20);
            lock (gate) runningOfBase--;
            return true;
        }, _ => { }, (w, reason) => Assert.Fail($"{Name(w)} did not run: {reason}"), CancellationToken.None);

        Assert.Equal(2, mostOfBase);
        Assert.Equal(20, schedule.SmokePath(nodes["base"])); // its longest test, longer than all its tests over 2 slots
    }

    [Fact]
    public async Task Among_ready_smoke_tests_the_longest_starts_first()
    {
        // One slot: the order in which work starts is the order the executor chose.
        var (schedule, _) = Graph(slots: 1, smokeTests: true, tests: new() { ["help lists the tools"] = 20 });
        var started = new ConcurrentQueue<string>();
        await new GraphExecutor(schedule).RunAsync(w =>
        {
            started.Enqueue(Name(w));
            return Task.FromResult(true);
        }, _ => { }, (w, reason) => Assert.Fail($"{Name(w)} did not run: {reason}"), CancellationToken.None);

        Assert.Equal("base smoke help lists the tools", started.First(n => n.StartsWith("base smoke ", StringComparison.Ordinal)));
        // ... and before the builds whose remaining path is shorter than 20 h (other: 5 h, derived: 1 h + its tests).
        Assert.True(started.ToList().IndexOf("base smoke help lists the tools") < started.ToList().IndexOf("other"));
    }

    [Fact]
    public async Task A_failed_build_stops_its_smoke_tests_and_dependants_with_a_reason_and_the_rest_runs()
    {
        var (schedule, _) = Graph(slots: 2, smokeTests: true);
        var ran = new ConcurrentBag<string>();
        var notRun = new ConcurrentDictionary<string, string>();
        await new GraphExecutor(schedule).RunAsync(w =>
        {
            ran.Add(Name(w));
            return Task.FromResult(Name(w) != "base");
        }, _ => { }, (w, reason) => Assert.True(notRun.TryAdd(Name(w), reason), $"{Name(w)} reported twice"), CancellationToken.None);

        var (_, nodes) = Graph(slots: 2, smokeTests: true);
        Assert.Equal(new[] { "base", "other" }.Concat(nodes["other"].SmokeTests.Select(t => $"other smoke {t.Name}")).Order(StringComparer.Ordinal), ran.Order(StringComparer.Ordinal));
        Assert.All(nodes["base"].SmokeTests, t => Assert.Equal("not built", notRun[$"base smoke {t.Name}"]));
        Assert.Equal("not built: its base failed", notRun["derived"]);
        Assert.All(nodes["derived"].SmokeTests, t => Assert.Equal("not built: its base failed", notRun[$"derived smoke {t.Name}"]));
    }

    [Fact]
    public async Task A_thrown_exception_counts_as_a_failure()
    {
        var (schedule, _) = Graph(slots: 2);
        var notRun = new ConcurrentDictionary<string, string>();
        await new GraphExecutor(schedule).RunAsync(
            w => Name(w) == "base" ? throw new InvalidOperationException("boom") : Task.FromResult(true),
            _ => { }, (w, reason) => notRun[Name(w)] = reason, CancellationToken.None);
        Assert.Equal(["derived"], notRun.Keys);
    }

    [Fact]
    public async Task Cancelled_work_that_waits_never_starts_and_says_cancelled_while_running_work_ends_on_its_own()
    {
        var (schedule, _) = Graph(slots: 1);
        using var cancel = new CancellationTokenSource();
        var ran = new ConcurrentBag<string>();
        var notRun = new ConcurrentDictionary<string, string>();
        await new GraphExecutor(schedule).RunAsync(async w =>
        {
            ran.Add(Name(w));
            await cancel.CancelAsync(); // the run is cancelled while base builds
            return true;
        }, _ => { }, (w, reason) => notRun[Name(w)] = reason, cancel.Token);

        Assert.Equal(["base"], ran);
        Assert.Equal(new Dictionary<string, string> { ["derived"] = "cancelled", ["other"] = "cancelled" }, notRun.OrderBy(p => p.Key).ToDictionary());
    }

    [Fact]
    public async Task Work_is_ready_when_what_it_comes_after_succeeded()
    {
        var (schedule, _) = Graph(slots: 2, smokeTests: true);
        var ready = new ConcurrentQueue<string>();
        var finished = new ConcurrentBag<string>();
        await new GraphExecutor(schedule).RunAsync(w =>
        {
            var after = w.After is { } a ? Name(a) : null;
            Assert.True(after is null || finished.Contains(after), $"{Name(w)} started before {after} finished");
            finished.Add(Name(w));
            return Task.FromResult(true);
        }, w => ready.Enqueue(Name(w)), (w, reason) => Assert.Fail(reason), CancellationToken.None);
        Assert.Equal(new GraphExecutor(schedule).Work.Count, ready.Count);
        Assert.Equal(["base", "other"], ready.Take(2).Order(StringComparer.Ordinal));
    }
}
