using System.Text;
using ImageTooling.Catalog;

namespace ImageTooling.Cli;

/// <summary>What `list` and `publish-multi-arch` print, the same from the command line and from the Dagger module.</summary>
internal static class Reports
{
    public static string Listing(ImageCatalog catalog, bool markdown)
    {
        var text = new StringBuilder();
        if (markdown)
        {
            text.AppendLine("| Image | Based on | Platforms | Tools (pinned versions) |");
            text.AppendLine("|---|---|---|---|");
            foreach (var image in catalog.Images)
            {
                var tools = string.Join(", ", catalog.ToolsOf(image).Select(t => $"{t.Name} {t.Version}"));
                var on = image.Origin switch
                {
                    PinnedBaseImage pinned => $"`{ImageReference.Parse(catalog.BaseImages[pinned.Name]).Tagged.Replace("docker.io/library/", "", StringComparison.Ordinal)}`",
                    ParentImage parent => $"`{parent.Image}` +",
                    _ => throw new InvalidOperationException($"image {image.Name} is built on neither a pinned base image nor another image"),
                };
                text.AppendLine($"| `{catalog.Registry}/{image.Name}` | {on} | {string.Join(", ", image.Platforms)} | {tools} |");
            }
            return text.ToString();
        }
        foreach (var image in catalog.Images)
        {
            text.AppendLine($"{image.Name}  ({catalog.Registry}/{image.Name}; {string.Join(", ", image.Platforms)}; on {image.Base ?? image.From})");
            text.AppendLine($"  {image.Description}");
            foreach (var tool in catalog.ToolsOf(image))
                text.AppendLine($"  {tool.Name,-14} {tool.Version,-14} {(tool.Source is DebianPackage debian ? $"debian package {debian.Name}" : "upstream release")}");
        }
        return text.ToString();
    }

    /// <summary>A Markdown table of what was published, for people (the job summary); machines read the run report.</summary>
    public static string Published(IReadOnlyList<PublishedImage> published)
    {
        var text = new StringBuilder();
        text.AppendLine("| Image | Tag | Digest | |");
        text.AppendLine("|---|---|---|---|");
        foreach (var p in published)
        {
            var status = p.Floating switch
            {
                { Moves: false } f => $"stays: {f.Reason}",
                { } f => $"moved: {f.Reason}",
                null when p.Unchanged => "already published",
                null => "pushed",
            };
            text.AppendLine($"| `{p.Repository}` | `{p.Tag}` | {(p.Digest.Length == 0 ? "—" : $"`{p.Digest}`")} | {status} |");
        }
        return text.ToString();
    }

    /// <summary>What <c>plan</c> says about the floating tags of a release, per image.</summary>
    public static string FloatingTagPlan(IReadOnlyList<(PublishTarget Target, IReadOnlyList<FloatingTagDecision> Decisions)> decisions)
    {
        var text = new StringBuilder();
        text.AppendLine("Floating tags (decided from the tags each repository holds now; publish decides again before pushing):");
        foreach (var (target, list) in decisions)
        {
            if (list.Count == 0)
                text.AppendLine($"  {target.Repository}: none (--no-floating-tags)");
            foreach (var decision in list)
                text.AppendLine($"  {target.Reference(decision.Tag)} {(decision.Moves ? "moves" : "stays")}: {decision.Reason}");
        }
        return text.ToString();
    }
}
