using System.CommandLine;
using ImageTooling.Registry;

namespace ImageTooling.Cli;

/// <summary><c>imagetool assemble</c>: each image's index put together registry-side from the staged digests, then tagged.
/// Registry only: no engine is made, none is named.</summary>
internal static class AssembleCommand
{
    public static Command Create(CommandContext c)
    {
        var command = new Command("assemble", "Put each image's index together registry-side from staged platform digests, then tag it as publish-multi-arch does");
        foreach (var option in (Option[])[StagedOptions.Staged, .. CredentialOptions.All, PublishMultiArchCommand.Force, OutputOptions.Report, RunOptionSet.MetadataFile, .. PlanOptionSet.All])
            command.Options.Add(option);
        command.SetAction((r, ct) => c.Run(async () =>
        {
            var staged = StagedOptions.Read(r);
            var credentials = CredentialOptions.Required(r, c);
            using var registry = new RegistryClient();
            var plan = await PlanOptionSet.CreateAsync(r, c, ct);
            var printed = RunOptionSet.Printed(r, c);
            var run = new PipelineRun("assemble", "none (registry only)", RunOptionSet.LogDirectory(r), r.GetValue(RunOptionSet.MetadataFile), Engines.Machine("local", c.Environment), c.Output);
            var outcome = await run.RunAsync(plan, printed, live: false,
                settings => new ReleaseAssembly(registry, credentials, settings.Log).RunAsync(plan, staged, r.GetValue(PublishMultiArchCommand.Force), ct));
            return OutputOptions.Published(r, outcome.Published, printed);
        }, CredentialOptions.Token(r, c)));
        return command;
    }
}
