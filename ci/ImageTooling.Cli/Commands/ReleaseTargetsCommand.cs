using System.CommandLine;
using System.Text.Json;
using ImageTooling.Registry;

namespace ImageTooling.Cli;

/// <summary><c>imagetool release-targets</c>: every version tag still at the digest the publish step reported; the verify matrix.</summary>
internal static class ReleaseTargetsCommand
{
    public static Command Create(CommandContext c)
    {
        var command = new Command("release-targets", "Check that every version tag points at the digest the publish step reported, and print the images as JSON (the verify matrix)");
        foreach (var option in (Option[])[PlanOptionSet.Tag, PlanOptionSet.Image, PlanOptionSet.Registry, .. CredentialOptions.All, .. ExpectedDigestOptions.All])
            command.Options.Add(option);
        command.SetAction((r, ct) => c.Run(async () =>
        {
            var plan = PlanOptionSet.Release(r);
            using var registry = new RegistryClient();
            var checkedTargets = await Promotion.CheckAsync(plan, registry, CredentialOptions.Required(r, c), ExpectedDigestOptions.Read(r, plan), c.Error.WriteLine, ct);
            c.Output.WriteLine(JsonSerializer.Serialize(checkedTargets.Select(t => new
            {
                image = t.Target.Image.Name,
                repository = t.Target.Repository,
                digest = t.Index.Digest,
                platforms = t.Index.Manifests.ToDictionary(m => m.Platform, m => m.Digest),
            })));
            return ExitCodes.Ok;
        }, CredentialOptions.Token(r, c)));
        return command;
    }
}
