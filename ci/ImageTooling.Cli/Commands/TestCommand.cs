using System.CommandLine;

namespace ImageTooling.Cli;

/// <summary><c>imagetool test</c>: build every planned image and run its smoke tests in containers of each platform.</summary>
internal static class TestCommand
{
    public static Command Create(CommandContext c)
    {
        var command = new Command("test", "Build every planned image and run its smoke tests in containers of each platform");
        foreach (var option in RunOptionSet.All) command.Options.Add(option);
        command.SetAction((r, ct) => c.Run(async () =>
        {
            var tested = await PipelineRun.OnEngineAsync(r, "test", c, async (pipeline, plan) => PipelineRun.Built(await pipeline.BuildAsync(plan, smokeTest: true, ct)), ct);
            RunOptionSet.Printed(r, c).WriteLine($"All smoke tests passed on {tested.Build!.Built.Count} images.");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
