using System.CommandLine;
using ImageTooling.Registry;
using ImageTooling.Scheduling;

namespace ImageTooling.Cli;

/// <summary><c>imagetool plan</c>: what a run would build, test and publish, the floating tags it would move and the
/// expected schedule, without running anything.</summary>
internal static class PlanCommand
{
    private static readonly Option<bool> Offline = new("--offline") { Description = "Do not read the registry's tags (the plan then lists floating tags as candidates only)" };

    public static Command Create(CommandContext c)
    {
        var command = new Command("plan", "Print what a run would build, test and publish, without running anything");
        foreach (var option in (Option[])[.. PlanOptionSet.All, OutputOptions.Json, RunOptionSet.Jobs, RunOptionSet.LogDir, .. CredentialOptions.All, Offline])
            command.Options.Add(option);
        command.SetAction((r, ct) => c.Run(async () =>
        {
            var plan = await PlanOptionSet.CreateAsync(r, c, ct);
            var json = r.GetValue(OutputOptions.Json);
            c.Output.Write(json ? plan.ToJson() + "\n" : plan.ToText());
            if (json) return ExitCodes.Ok;
            if (plan.Options.Release is not null && !r.GetValue(Offline))
                c.Output.Write(await FloatingTagPlanAsync(plan, CredentialOptions.Optional(r, c), ct));
            var history = DurationHistory.Load(Path.Combine(RunOptionSet.LogDirectory(r), DurationHistory.FileName), Engines.Machine("auto", c.Environment));
            c.Output.WriteLine();
            c.Output.Write(ScheduleReports.Plan(Schedule.For(plan.Nodes, history.For, smokeTests: true, RunOptionSet.JobCount(r)), history));
            return ExitCodes.Ok;
        }, CredentialOptions.Token(r, c)));
        return command;
    }

    /// <summary>What the plan says about floating tags; a registry that cannot be read leaves them undecided, said so.</summary>
    private static async Task<string> FloatingTagPlanAsync(BuildPlan plan, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        using var registry = new RegistryClient { Attempts = 2 };
        var decisions = new List<(PublishTarget, IReadOnlyList<FloatingTagDecision>)>();
        try
        {
            foreach (var target in plan.Publish)
                decisions.Add((target, await FloatingTags.DecideAsync(target, plan.Options.Release!, registry, credentials, cancellation)));
        }
        catch (Exception e) when (e is PipelineFailure or InputError)
        {
            return $"\nFloating tags: not decided, the registry's tags could not be read ({e.Message}); publish decides before pushing (or plan with --offline).\n";
        }
        return "\n" + Reports.FloatingTagPlan(decisions);
    }
}
