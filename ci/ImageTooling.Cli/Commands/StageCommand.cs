using System.CommandLine;
using ImageTooling.Registry;

namespace ImageTooling.Cli;

/// <summary><c>imagetool stage</c>: build and smoke-test the planned platforms, then push each variant by digest, untagged.</summary>
internal static class StageCommand
{
    public static Command Create(CommandContext c)
    {
        var command = new Command("stage", "Build and smoke-test the planned platforms, then push each image's variants by digest with no tag (for 'assemble')");
        foreach (var option in (Option[])[.. CredentialOptions.All, .. RunOptionSet.All])
            command.Options.Add(option);
        command.SetAction((r, ct) => c.Run(async () =>
        {
            var credentials = CredentialOptions.Required(r, c);
            using var registry = new RegistryClient();
            var outcome = await PipelineRun.OnEngineAsync(r, "stage", c, (pipeline, plan) => pipeline.StageAsync(plan, registry, credentials, ct), ct);
            RunOptionSet.Printed(r, c).WriteLine($"Staged {outcome.Staged.Count} platform images by digest; nothing was tagged.");
            return ExitCodes.Ok;
        }, CredentialOptions.Token(r, c)));
        return command;
    }
}
