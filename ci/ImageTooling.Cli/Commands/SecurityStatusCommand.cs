using System.CommandLine;
using ImageTooling.Local;
using ImageTooling.Registry;
using ImageTooling.Security;

namespace ImageTooling.Cli;

/// <summary>
/// <c>imagetool security-status</c>: what waits for the images users pull (a tag, <c>latest</c> by default). Exit code 0
/// when nothing is pending, 1 when a fix waits or an image could not be checked, 2 on bad input. It runs the published
/// images with the local engine (podman pulls one platform's image at a time), whatever engine built them.
/// </summary>
internal static class SecurityStatusCommand
{
    private static readonly Option<string> Tag = new("--tag") { Description = "The published tag to check (default: latest)", DefaultValueFactory = _ => "latest" };
    private static readonly Option<string?> Archive = new("--security-archive") { Description = "Also ask this apt source, as a one-line 'deb URL SUITE COMPONENT' (e.g. a mirror of Debian's security archive)" };

    public static Command Create(CommandContext c)
    {
        var command = new Command("security-status",
            "Check a published tag (default latest) for the Debian security fixes its images lack and the tools with another version available; exit 1 when something waits");
        foreach (var option in (Option[])[Tag, Archive, PlanOptionSet.Image, PlanOptionSet.Platform, PlanOptionSet.Registry, PlanOptionSet.BaseImage, .. CredentialOptions.All, RunOptionSet.LogDir, RunOptionSet.MetadataFile])
            command.Options.Add(option);
        command.SetAction((r, ct) => c.Run(() => RunAsync(r, c, ct), CredentialOptions.Token(r, c)));
        return command;
    }

    /// <summary>Checks the planned images' --tag; returns the exit code (1 when something waits).</summary>
    private static async Task<int> RunAsync(ParseResult r, CommandContext c, CancellationToken cancellation)
    {
        var plan = await PlanOptionSet.CreateAsync(r, c, cancellation);
        var (tag, archive, metadataFile) = (r.GetValue(Tag)!, r.GetValue(Archive), r.GetValue(RunOptionSet.MetadataFile));
        if (!ImageReference.IsTag(tag)) throw new InputError($"--tag takes a tag such as latest or v1.2.3, got '{tag}'");
        if (archive is not null && !archive.StartsWith("deb ", StringComparison.Ordinal))
            throw new InputError($"--security-archive takes an apt source line 'deb URL SUITE COMPONENT', got '{archive}'");
        var printed = RunOptionSet.Printed(r, c);
        // On a runner of the one platform checked (the scheduled workflow's legs), no emulation is set up or needed.
        var engine = new PodmanEngine(plan.Catalog.Directory, RunOptionSet.LogDirectory(r)) { NativeOnly = PodmanEngine.IsNativeOnly(plan.Nodes.Select(n => n.Platform)) };
        using var registry = new RegistryClient();
        var status = new SecurityStatus(engine, engine, registry, new RunLog(printed)) { ExtraSource = archive };
        var report = await status.CheckAsync(plan.Catalog, plan, tag, CredentialOptions.Optional(r, c), cancellation);
        printed.Write(Text(report));
        if (metadataFile == "-") c.Output.Write(report.ToJson());
        else if (metadataFile is not null) File.WriteAllText(metadataFile, report.ToJson());
        return report.Pending ? ExitCodes.Failure : ExitCodes.Ok;
    }

    private static string Text(SecurityReport report)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"Security status of :{report.Tag} ({report.Checked:yyyy-MM-dd HH:mm} UTC):");
        foreach (var image in report.Images)
        {
            var state = image.Error is not null ? $"NOT CHECKED: {image.Error}" : image.Pending.Count == 0 ? "no pending security fix" : $"{image.Pending.Count} pending security fixes";
            text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  {image.Reference} {image.Platform}: {state}");
            foreach (var fix in image.Pending) text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"    {fix.Package} {fix.Installed} -> {fix.Fixed}");
            foreach (var tool in image.ToolUpdates)
                text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"    tool {tool.Tool} (pinned {tool.Pinned}): {tool.Installed} installed, {tool.Available} available");
        }
        var notAsked = report.Images.SelectMany(i => i.NotAsked).Distinct().ToList();
        if (notAsked.Count > 0)
            text.AppendLine($"  Not asked (upstream downloads; Renovate watches their releases): {string.Join(", ", notAsked)}");
        text.AppendLine(report.Pending ? "Something waits: rebuild it as a new patch release of the same commit (docs/releasing.md)." : "Nothing waits.");
        return text.ToString();
    }
}
