using System.Text;

namespace ImageTooling.Scheduling;

/// <summary>The schedule as text: what `imagetool plan` expects, and what every run prints at its end (on a terminal and in CI alike).</summary>
public static class ScheduleReports
{
    /// <summary>The expected critical path and the lower bound of a planned run.</summary>
    public static string Plan(Schedule schedule, DurationHistory history)
    {
        var text = new StringBuilder();
        var sources = schedule.Nodes.Select(history.SourceOf).Distinct().ToList();
        text.AppendLine($"Expected critical path ({(schedule.SmokeTests ? "smoke tests included" : "builds only")}, {Slots(schedule.Slots)}; expected times: {string.Join(", ", sources)}):");
        foreach (var node in schedule.CriticalPath)
            text.AppendLine($"  {node.Id,-34} build {schedule.Expected(node).BuildSeconds,6:0} s");
        if (schedule.CriticalPath.Count > 0 && schedule.SmokePath(schedule.CriticalPath[^1]) is > 0 and var smoke)
            text.AppendLine($"  {"",-34} smoke {smoke,6:0} s (its {schedule.Expected(schedule.CriticalPath[^1]).SmokeSeconds:0} s of smoke tests side by side)");
        text.AppendLine($"  {"= critical path",-34}       {schedule.CriticalPathSeconds,6:0} s");
        text.AppendLine($"Expected work {schedule.WorkSeconds:0} s over {Slots(schedule.Slots)} = {schedule.WorkSeconds / schedule.Slots:0} s; "
            + $"lower bound (the longer of work ÷ slots and the critical path): {schedule.LowerBoundSeconds:0} s");
        return text.ToString();
    }

    public static string Run(RunBoard board)
    {
        var schedule = board.Schedule;
        var statuses = board.Statuses;
        var text = new StringBuilder();
        text.AppendLine("Timing per node (seconds; expected = last run, else the catalog's hint; * = expected critical path):");
        text.AppendLine($"  {"node",-34} {"state",-17} {"build",7} {"smoke",7} {"waited",7} {"expected",9}");
        foreach (var status in statuses)
        {
            var expected = schedule.Expected(status.Node);
            text.AppendLine($"  {status.Node.Id,-34} {Stage(status.Stage),-17} {Seconds(status.BuildSeconds),7} {Seconds(status.SmokeSeconds),7} {status.WaitedSeconds,7:0.0} {expected.BuildSeconds + expected.SmokeSeconds,9:0}{(schedule.IsCritical(status.Node) ? " *" : "")}");
        }
        var measured = Measured(board);
        text.AppendLine($"  wall {board.WallSeconds:0.0} s; measured work {measured.WorkSeconds:0.0} s over {Slots(schedule.Slots)}; "
            + $"lower bound {measured.LowerBoundSeconds:0.0} s (work ÷ slots {measured.WorkSeconds / measured.Slots:0.0} s, critical path {measured.CriticalPathSeconds:0.0} s)");
        // The node times were measured while up to Slots builds shared the machine: the bound is this run's, not an idle machine's.
        text.AppendLine($"  (node times measured with up to {Slots(schedule.Slots)} busy at once on {Environment.ProcessorCount} cores; alone, a node may build faster)");
        return text.ToString();
    }

    /// <summary>The run's own measured times as a schedule: its work, critical path and lower bound.</summary>
    public static Schedule Measured(RunBoard board)
    {
        var statuses = board.Statuses.ToDictionary(s => s.Node);
        return Schedule.For(board.Schedule.Nodes, n => ExpectedTime.Measured(statuses[n]), board.Schedule.SmokeTests, board.Schedule.Slots);
    }

    public static string Slots(int slots) => slots == 1 ? "1 slot" : $"{slots} slots";

    public static string Stage(NodeStage stage) => stage switch
    {
        NodeStage.Built => "built, test waits",
        NodeStage.SmokeTesting => "smoke-testing",
        _ => stage.ToString().ToLowerInvariant(),
    };

    private static string Seconds(double? seconds) => seconds is { } s ? s.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "-";
}
