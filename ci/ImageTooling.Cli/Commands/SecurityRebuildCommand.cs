using System.CommandLine;
using System.Globalization;
using System.Text;
using ImageTooling.Security;

namespace ImageTooling.Cli;

/// <summary>
/// <c>imagetool security-rebuild</c>: reads what the scheduled check found (security-status reports of the tags users
/// pull, and the scanner's reports of them), decides per release users pull whether a security rebuild is due
/// (<see cref="SecurityRebuild"/>), and with <c>--create-tags</c> makes each rebuild's annotated tag on the commit of
/// the release it replaces. Pushing the tags is the workflow's: only that step holds the token that may.
/// Exit code 0 whatever it decided; <c>attention=true</c> in the GitHub output when a person should look (a stopped
/// rebuild, an image that could not be checked, a tag without its release).
/// </summary>
internal static class SecurityRebuildCommand
{
    private static readonly Option<string> Status = new("--status") { Description = "A folder of security-status reports (--metadata-file JSON), searched recursively", Required = true };
    private static readonly Option<string?> Scans = new("--scans") { Description = "A folder of the scanner's reports (Trivy --format json), searched recursively" };
    private static readonly Option<string> RepositoryPath = new("--repository") { Description = "The git checkout whose tags are read and made (default: the current directory)", DefaultValueFactory = _ => "." };
    private static readonly Option<bool> CreateTags = new("--create-tags") { Description = "Make each due rebuild's annotated tag (locally; pushing it is the caller's)" };
    private static readonly Option<string?> GithubOutput = new("--github-output") { Description = "Also append tags=TAG ... (the rebuild tags made, space-separated) and attention=true|false to this file, e.g. $GITHUB_OUTPUT" };
    private static readonly Option<string?> Summary = new("--summary") { Description = "Append the Markdown report to this file, e.g. $GITHUB_STEP_SUMMARY" };

    public static Command Create(CommandContext c)
    {
        var command = new Command("security-rebuild", "Decide from the security check's reports whether a security rebuild (a new patch release of the same commit) is due, and make its tag")
        {
            Status, Scans, RepositoryPath, CreateTags, GithubOutput, Summary,
        };
        command.SetAction((r, ct) => c.Run(async () =>
        {
            var status = Reports(r.GetValue(Status)!, "security-status").Select(f => Read(f, SecurityReport.Parse)).ToList();
            if (status.Count == 0) throw new InputError($"no security-status report (*.json) in {r.GetValue(Status)}");
            var findings = r.GetValue(Scans) is { } scans
                ? Reports(scans, "scan").SelectMany(f => ScanFinding.ParseTrivy(File.ReadAllText(f), f)).ToList()
                : [];
            var root = Path.GetFullPath(r.GetValue(RepositoryPath)!);
            var releases = await GitReleases.ReadAsync(root, ct);
            var decisions = SecurityRebuild.Decide(SecurityRebuild.Pending(status, findings), releases);

            var made = new List<string>();
            foreach (var rebuild in decisions.Where(d => d.Verdict == RebuildVerdict.Rebuild))
            {
                if (!r.GetValue(CreateTags)) continue;
                await GitReleases.CreateAsync(root, rebuild, ct);
                made.Add(rebuild.Tag!.ToString());
            }
            var notChecked = status.SelectMany(s => s.Images).Where(i => i.Error is not null).ToList();
            foreach (var decision in decisions) c.Output.WriteLine($"{decision.Verdict.ToString().ToLowerInvariant()}: {decision.Message}");
            foreach (var image in notChecked) c.Output.WriteLine($"not checked: {image.Reference} {image.Platform}: {image.Error}");
            if (made.Count > 0) c.Output.WriteLine($"Tagged {string.Join(", ", made)}: pushing a tag starts the release workflow.");

            var attention = notChecked.Count > 0 || decisions.Any(d => d.Verdict is RebuildVerdict.Stopped or RebuildVerdict.NoRelease);
            if (r.GetValue(Summary) is { } summary) File.AppendAllText(summary, Markdown(decisions, status, findings, made));
            if (r.GetValue(GithubOutput) is { } file)
                File.AppendAllText(file, $"tags={string.Join(" ", made)}\nattention={attention.ToString().ToLowerInvariant()}\n");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static IEnumerable<string> Reports(string folder, string what) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            : throw new InputError($"the {what} reports' folder {folder} does not exist");

    private static T Read<T>(string file, Func<string, T> parse)
    {
        try
        {
            return parse(File.ReadAllText(file));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InputError($"{file} is not a security-status report: {e.Message}");
        }
    }

    /// <summary>The job summary: the decisions, then what was found, image by image.</summary>
    internal static string Markdown(IReadOnlyList<RebuildDecision> decisions, IReadOnlyList<SecurityReport> status, IReadOnlyList<ScanFinding> findings, IReadOnlyList<string> made)
    {
        var text = new StringBuilder();
        void Line(string line = "") => text.Append(line).Append('\n');
        Line("## Security check of the images users pull");
        Line();
        foreach (var d in decisions)
            Line($"- **{d.Verdict}**: {d.Message}");
        if (made.Count > 0)
        {
            Line();
            Line($"Tagged {string.Join(", ", made.Select(t => $"`{t}`"))}; the release workflow publishes each (gate, staging, scan, signing, promotion).");
        }

        var pending = status.SelectMany(s => s.Images.SelectMany(i => i.Pending.Select(p => (s.Tag, i, p)))).ToList();
        Line();
        Line("### Fixes waiting in Debian's security archive (security-status)");
        Line();
        if (pending.Count == 0) Line("None.");
        else
        {
            Line("| Tag | Image | Platform | Package | Installed | Fixed |");
            Line("|---|---|---|---|---|---|");
            foreach (var (tag, image, fix) in pending)
                Line($"| {tag} | {image.Image} | {image.Platform} | {fix.Package} | {fix.Installed} | {fix.Fixed} |");
        }

        Line();
        Line($"### Fixable {string.Join(" and ", ScanFinding.Severities)} findings of the scan");
        Line();
        if (findings.Count == 0) Line("None.");
        else
        {
            Line("| Tag | Image | Platform | Vulnerability | Severity | Package | Installed | Fixed | Fixed by |");
            Line("|---|---|---|---|---|---|---|---|---|");
            foreach (var f in findings.OrderBy(f => f.Tag, StringComparer.Ordinal).ThenBy(f => f.Reference, StringComparer.Ordinal).ThenBy(f => f.Package, StringComparer.Ordinal))
                Line($"| {f.Tag} | {f.Reference} | {f.Platform} | {f.Vulnerability} | {f.Severity} | {f.Package} | {f.Installed} | {f.Fixed} | "
                    + (f.OsPackage ? "a rebuild (Debian package)" : $"a new version of the tool holding it ({f.Target}): Renovate, not a rebuild") + " |");
        }

        var updates = status.SelectMany(s => s.Images.SelectMany(i => i.ToolUpdates.Select(u => (s.Tag, i, u)))).ToList();
        if (updates.Count > 0)
        {
            Line();
            Line("### Tools from Debian with another version available");
            Line();
            foreach (var (tag, image, update) in updates)
                Line($"- {tag} {image.Image} {image.Platform}: {update.Tool} (pinned {update.Pinned}) {update.Installed} installed, {update.Available} available");
        }

        var notChecked = status.SelectMany(s => s.Images).Where(i => i.Error is not null).ToList();
        if (notChecked.Count > 0)
        {
            Line();
            Line("### Not checked");
            Line();
            foreach (var image in notChecked) Line($"- {image.Reference} {image.Platform}: {image.Error}");
        }
        Line();
        Line(string.Create(CultureInfo.InvariantCulture, $"Checked {status.Select(s => s.Tag).Distinct().Count()} tags ({string.Join(", ", status.Select(s => s.Tag).Distinct())}) of {status.SelectMany(s => s.Images).Select(i => i.Image).Distinct().Count()} images."));
        return text.ToString();
    }
}
