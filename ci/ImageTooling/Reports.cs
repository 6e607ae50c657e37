using System.Text;
using ImageTooling.Catalog;

namespace ImageTooling;

/// <summary>What `list` and `publish-multi-arch` print, the same from the command line and from the Dagger module.</summary>
public static class Reports
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
                var on = image.Base is null ? $"`{catalog.BaseImages[image.From!].Split('@')[0].Replace("docker.io/library/", "", StringComparison.Ordinal)}`" : $"`{image.Base}` +";
                text.AppendLine($"| `{catalog.Registry}/{image.Name}` | {on} | {string.Join(", ", image.Platforms)} | {tools} |");
            }
            return text.ToString();
        }
        foreach (var image in catalog.Images)
        {
            text.AppendLine($"{image.Name}  ({catalog.Registry}/{image.Name}; {string.Join(", ", image.Platforms)}; on {image.Base ?? image.From})");
            text.AppendLine($"  {image.Description}");
            foreach (var tool in catalog.ToolsOf(image))
                text.AppendLine($"  {tool.Name,-14} {tool.Version,-14} {(tool.Download is null ? $"debian package {tool.Debian!.Name}" : "upstream release")}");
        }
        return text.ToString();
    }

    /// <summary>A Markdown table of what was published (the release job's summary).</summary>
    public static string Published(IReadOnlyList<PublishedImage> published)
    {
        var text = new StringBuilder();
        text.AppendLine("| Image | Tag | Digest | |");
        text.AppendLine("|---|---|---|---|");
        foreach (var p in published)
            text.AppendLine($"| `{p.Repository}` | `{p.Tag}` | `{p.Digest}` | {(p.Unchanged ? "already published" : "pushed")} |");
        return text.ToString();
    }
}
