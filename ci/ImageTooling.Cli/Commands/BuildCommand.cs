using System.CommandLine;

namespace ImageTooling.Cli;

/// <summary><c>imagetool build</c>: every planned image for every platform, nothing tested or published.</summary>
internal static class BuildCommand
{
    public static Command Create(CommandContext c)
    {
        var command = new Command("build", "Build every planned image for every platform");
        foreach (var option in RunOptionSet.All) command.Options.Add(option);
        command.SetAction((r, ct) => c.Run(async () =>
        {
            await PipelineRun.OnEngineAsync(r, "build", c, async (pipeline, plan) => PipelineRun.Built(await pipeline.BuildAsync(plan, smokeTest: false, ct)), ct);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
