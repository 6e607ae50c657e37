using ImageTooling.Scheduling;

namespace ImageTooling.Tests;

public class SlotGateTests
{
    [Fact]
    public async Task Work_cancelled_while_it_waits_never_takes_a_slot_from_the_work_after_it()
    {
        var plan = BuildPlan.Create(Repo.Fixture(), new PlanOptions { Platforms = ["linux/amd64"] });
        var node = plan.Nodes.ToDictionary(n => n.Image.Name);
        var hours = new Dictionary<string, double> { ["base"] = 10, ["other"] = 5, ["derived"] = 1 };
        var slots = SlotGate.For(Schedule.For(plan.Nodes, n => new ExpectedTime(hours[n.Image.Name], 0), smokeTests: false, slots: 1));

        await slots.WhenGranted(new SlotWork(node["base"], false), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        using var cancelled = new CancellationTokenSource();
        var other = slots.WhenGranted(new SlotWork(node["other"], false), cancelled.Token);
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => other);

        // The base's slot goes to its dependant, not to the higher-priority work whose waiter is gone.
        slots.Finished(new SlotWork(node["base"], false), succeeded: true);
        await slots.WhenGranted(new SlotWork(node["derived"], false), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
    }
}
