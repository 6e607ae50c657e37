using System.Text;
using ImageTooling.Catalog;
using ImageTooling.Security;

namespace ImageTooling.Cli;

/// <summary>A release that builds the same commit as <paramref name="Of"/> again (a security rebuild), with the record of
/// its tag's annotation when the scheduled check made it (null for one tagged by hand).</summary>
internal sealed record RebuildNote(ReleaseTag Of, string Commit, RebuildRecord? Record);

/// <summary>The body of a GitHub release: every image with its tool versions, and what changed since the previous release's catalog.</summary>
internal static class ReleaseNotes
{
    /// <summary>The highest stable release tag below <paramref name="release"/>, or null for the first release.</summary>
    public static ReleaseTag? PreviousStable(ReleaseTag release, IEnumerable<string> tags) =>
        tags.Select(ReleaseTag.TryParse).OfType<ReleaseTag>()
            .Where(t => t.IsStable && t.CompareTo(release) < 0)
            .OrderDescending()
            .FirstOrDefault();

    public static string Markdown(ReleaseTag release, ImageCatalog current, ReleaseTag? previousTag, ImageCatalog? previous, RebuildNote? rebuild = null)
    {
        var text = new StringBuilder();
        if (rebuild is not null) text.Append(Rebuild(release, rebuild));
        var since = previousTag is null ? "" : $" since {previousTag}";
        text.AppendLine($"## Images of {release}");
        text.AppendLine();
        text.AppendLine($"| Image | Platforms | Tools | Changed{since} |");
        text.AppendLine("|---|---|---|---|");
        foreach (var image in current.Images)
        {
            var before = previous?.Images.FirstOrDefault(i => i.Name == image.Name);
            var old = before is null ? null : previous!.AllToolsOf(before).ToDictionary(t => t.Name, t => t.Version);
            var tools = current.AllToolsOf(image).ToList();
            var changes = new List<string>();
            var cells = new List<string>();
            foreach (var tool in tools)
            {
                string? was = null;
                var differs = old is not null && (!old.TryGetValue(tool.Name, out was) || was != tool.Version);
                cells.Add(differs ? $"**{tool.Name} {tool.Version}**" : $"{tool.Name} {tool.Version}");
                if (differs)
                    changes.Add(was is null ? $"{tool.Name} added" : $"{tool.Name} {was} → {tool.Version}");
            }
            if (old is not null)
                changes.AddRange(old.Keys.Where(k => tools.All(t => t.Name != k)).Select(k => $"{k} removed"));
            var summary = previous is null ? "" : before is null ? "new image" : changes.Count == 0 ? "—" : string.Join("; ", changes);
            text.AppendLine($"| `{current.Registry}/{image.Name}:{release}` | {string.Join(", ", image.Platforms)} | {string.Join(", ", cells)} | {summary} |");
        }
        foreach (var gone in previous?.Images.Where(p => current.Images.All(i => i.Name != p.Name)) ?? [])
            text.AppendLine($"| `{current.Registry}/{gone.Name}` | | | removed: no longer published |");

        foreach (var (name, reference) in current.BaseImages)
        {
            var was = previous?.BaseImages.GetValueOrDefault(name);
            var tag = ImageReference.Parse(reference).Tagged;
            var wasTag = was is null ? null : ImageReference.Parse(was).Tagged;
            text.AppendLine();
            text.AppendLine(was is null || was == reference
                ? $"Base image `{name}`: `{tag}`"
                : $"Base image `{name}`: **`{tag}`** (was `{wasTag}`{(wasTag == tag ? ", same tag, new digest" : "")})");
        }
        text.AppendLine();
        text.AppendLine(previousTag is null
            ? "First release: nothing to compare with."
            : $"Bold: changed since {previousTag}. Each image lists its tools as labels too: `skopeo inspect docker://IMAGE` shows `{BuildPlan.ToolLabelPrefix}<tool>`.");
        return text.ToString();
    }

    /// <summary>The head of a rebuild's notes: which release it rebuilds, from which commit, and the Debian packages it
    /// updates (the fixes the scheduled check found pending; other updates Debian published may come along).</summary>
    private static string Rebuild(ReleaseTag release, RebuildNote rebuild)
    {
        var text = new StringBuilder();
        text.AppendLine($"## Security rebuild of {rebuild.Of}");
        text.AppendLine();
        text.AppendLine($"{release} is {rebuild.Of} built again from the same commit (`{rebuild.Commit[..Math.Min(12, rebuild.Commit.Length)]}`), "
            + "with the Debian security and point-release fixes published since; no tool version changed.");
        text.AppendLine();
        if (rebuild.Record is { Fixes.Count: > 0 } record)
        {
            text.AppendLine($"Packages updated: the fixes the scheduled security check found pending in {string.Join(", ", record.Checked.Select(t => $"`{t}`"))}:");
            text.AppendLine();
            text.AppendLine("| Package | Was | Fixed in |");
            text.AppendLine("|---|---|---|");
            foreach (var fix in record.Fixes)
                text.AppendLine($"| {fix.Package} | {fix.Installed} | {fix.Fixed} |");
        }
        else
        {
            text.AppendLine("Tagged by hand: the packages are Debian's as of the build (`toolbox-help` prints the date).");
        }
        text.AppendLine();
        return text.ToString();
    }
}
