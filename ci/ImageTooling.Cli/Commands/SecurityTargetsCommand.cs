using System.CommandLine;
using System.Text.Json;
using ImageTooling.Registry;
using ImageTooling.Security;

namespace ImageTooling.Cli;

/// <summary>
/// <c>imagetool security-targets</c>: the published tags the scheduled security check looks at (<see cref="SecurityTargets"/>),
/// read from the registry's tags of every image, one a line; with <c>--github-output</c> also the workflow's matrices.
/// </summary>
internal static class SecurityTargetsCommand
{
    private static readonly Option<int> Majors = new("--majors")
    {
        Description = "How many major versions are maintained: the newest vX.Y of each of the highest ones is checked, with latest",
        DefaultValueFactory = _ => SecurityTargets.DefaultMajors,
    };

    private static readonly Option<string?> GithubOutput = new("--github-output")
    {
        Description = "Also append any=true|false, tags= (JSON) and scans= (JSON: image, tag, reference, artifact) to this file, e.g. $GITHUB_OUTPUT",
    };

    public static Command Create(CommandContext c)
    {
        var command = new Command("security-targets", "Print the published tags the scheduled security check looks at: latest and the newest vX.Y of each maintained major");
        foreach (var option in (Option[])[Majors, GithubOutput, PlanOptionSet.Image, PlanOptionSet.Registry, .. CredentialOptions.All])
            command.Options.Add(option);
        command.SetAction((r, ct) => c.Run(async () =>
        {
            var plan = BuildPlan.Create(CatalogOptions.Load(r), new PlanOptions { Images = r.GetValue(PlanOptionSet.Image) ?? [], Registry = r.GetValue(PlanOptionSet.Registry) });
            using var client = new RegistryClient();
            var tags = await SecurityTargets.ReadAsync(plan, client, CredentialOptions.Optional(r, c), r.GetValue(Majors), ct);
            foreach (var tag in tags) c.Output.WriteLine(tag);
            if (tags.Count == 0) c.Error.WriteLine("note: the registry holds no latest and no vX.Y of every image yet: nothing to check");
            if (r.GetValue(GithubOutput) is { } file) File.AppendAllText(file, GithubOutputLines(plan, tags));
            return ExitCodes.Ok;
        }, CredentialOptions.Token(r, c)));
        return command;
    }

    /// <summary><c>any</c>, <c>tags</c> (the status job's matrix) and <c>scans</c> (the scan job's: one entry per image and tag,
    /// with the reference to scan and a name for its report's artifact).</summary>
    public static string GithubOutputLines(BuildPlan plan, IReadOnlyList<string> tags)
    {
        var scans = tags.SelectMany(tag => plan.Publish.Select(t => new ScanTarget(t.Image.Name, tag, t.Reference(tag).ToString(), $"{t.Image.Name}-{tag}")));
        return $"any={(tags.Count > 0 ? "true" : "false")}\n"
            + $"tags={JsonSerializer.Serialize(tags)}\n"
            + $"scans={JsonSerializer.Serialize(scans, Json)}\n";
    }

    private sealed record ScanTarget(string Image, string Tag, string Reference, string Artifact);

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
