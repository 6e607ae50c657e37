using System.CommandLine;
using ImageTooling.Registry;

namespace ImageTooling.Cli;

/// <summary><c>imagetool publish-multi-arch</c>: build, smoke-test, then publish one index per image, version tag first.</summary>
internal static class PublishMultiArchCommand
{
    public static readonly Option<bool> Force = new("--force") { Description = "Replace a release tag that already exists with other content" };

    public static Command Create(CommandContext c)
    {
        var command = new Command("publish-multi-arch", "Build, smoke-test, then publish one multi-arch index per image: version tag first, floating tags last");
        foreach (var option in (Option[])[.. CredentialOptions.All, Force, OutputOptions.Report, .. RunOptionSet.All])
            command.Options.Add(option);
        command.SetAction((r, ct) => c.Run(async () =>
        {
            var credentials = CredentialOptions.Required(r, c);
            using var registry = new RegistryClient();
            var outcome = await PipelineRun.OnEngineAsync(r, "publish-multi-arch", c,
                (pipeline, plan) => pipeline.PublishAsync(plan, registry, credentials, r.GetValue(Force), ct), ct);
            return OutputOptions.Published(r, outcome.Published, RunOptionSet.Printed(r, c));
        }, CredentialOptions.Token(r, c)));
        return command;
    }
}
