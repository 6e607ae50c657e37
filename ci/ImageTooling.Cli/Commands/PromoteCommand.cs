using System.CommandLine;
using ImageTooling.Registry;

namespace ImageTooling.Cli;

/// <summary><c>imagetool promote</c>: the floating tags the semver rule allows, moved to the version tag's digest registry-side.</summary>
internal static class PromoteCommand
{
    public static Command Create(CommandContext c)
    {
        var command = new Command("promote", "Point the floating tags the semver rule allows (vX.Y, vX, latest) at the version tag's digest: a registry-side copy, nothing rebuilt");
        foreach (var option in (Option[])[PlanOptionSet.Tag, PlanOptionSet.Image, PlanOptionSet.Registry, .. CredentialOptions.All, .. ExpectedDigestOptions.All, OutputOptions.Report])
            command.Options.Add(option);
        command.SetAction((r, ct) => c.Run(async () =>
        {
            var plan = PlanOptionSet.Release(r);
            using var registry = new RegistryClient();
            var rows = await Promotion.PromoteAsync(plan, registry, CredentialOptions.Required(r, c), ExpectedDigestOptions.Read(r, plan), c.Output.WriteLine, ct);
            return OutputOptions.Published(r, rows, c.Output);
        }, CredentialOptions.Token(r, c)));
        return command;
    }
}
