using System.CommandLine;
using System.Text.Json;

namespace ImageTooling.Cli;

/// <summary><c>imagetool staged-targets</c>: the release's scan matrix, each image's staged digests before any tag.</summary>
internal static class StagedTargetsCommand
{
    public static Command Create(CommandContext c)
    {
        var command = new Command("staged-targets", "Print, as JSON, each image's repository and the digest each platform was staged as (the release's scan matrix, before any tag); fails unless every platform of every image was staged");
        foreach (var option in (Option[])[StagedOptions.Staged, .. PlanOptionSet.All])
            command.Options.Add(option);
        command.SetAction((r, ct) => c.Run(async () =>
        {
            var staged = StagedOptions.Read(r);
            var targets = StagedTargets.For(await PlanOptionSet.CreateAsync(r, c, ct), staged);
            c.Output.WriteLine(JsonSerializer.Serialize(targets.Select(t => new { image = t.Image, repository = t.Repository, platforms = t.Platforms })));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
