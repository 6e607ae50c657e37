using ImageTooling.Catalog;

namespace ImageTooling;

/// <summary>
/// The build arguments that carry the catalog into a Dockerfile. They are the same for every
/// platform; the Dockerfile picks by <c>TARGETARCH</c>. Per tool of the image's own layer:
/// <c>TOOL_DOWNLOAD</c> for an upstream release — one line per architecture,
/// <c>ARCH URL SHA256|- CHECKSUMS_URL|-</c>, read by images/common/fetch-verified — or
/// <c>TOOL_PACKAGE</c> (<c>name=version</c>) for a Debian package. Every pinned base image is
/// passed as <c>NAME_IMAGE</c> (e.g. <c>DEBIAN_IMAGE</c>).
/// </summary>
public static class BuildArguments
{
    public const string BaseImage = "BASE_IMAGE";
    public const string ToolboxTools = "TOOLBOX_TOOLS";

    public static IReadOnlyDictionary<string, string> For(
        ImageCatalog catalog, ImageDefinition image, PlanOptions options)
    {
        var args = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, reference) in catalog.BaseImages)
        {
            var key = $"{name.ToUpperInvariant().Replace('-', '_')}_IMAGE";
            args[key] = options.BaseImageOverrides.GetValueOrDefault(name) ?? reference;
        }
        foreach (var tool in catalog.ToolsOf(image))
        {
            switch (tool.Source)
            {
                case Download download:
                    args[$"{tool.ArgPrefix}_DOWNLOAD"] = string.Join("\n", image.Platforms.Select(p => DownloadLine(tool, download, p, options.DownloadMirror)));
                    break;
                case DebianPackage debian:
                    args[$"{tool.ArgPrefix}_PACKAGE"] = debian.AptSpec;
                    break;
            }
        }
        // toolbox-register reads this list at build time and toolbox-help at run time: each tool of this
        // layer, the command that reports its version and the one that prints its bash completion.
        args[ToolboxTools] = string.Join("\n", catalog.ToolsOf(image).Select(t => $"{t.Name}\t{t.VersionCommand}\t{t.Completion}"));
        return args;
    }

    private static string DownloadLine(Tool tool, Download download, Platform platform, string? mirror)
    {
        var url = Mirror(tool.Render(download.Url, platform), mirror);
        var sha = download.Sha256.GetValueOrDefault(platform.Architecture, "-");
        var checksums = download.ChecksumsUrl is null
            ? "-"
            : Mirror(tool.Render(download.ChecksumsUrl, platform), mirror);
        return $"{platform.Architecture} {url} {sha} {checksums}";
    }

    /// <summary><c>https://host/path</c> becomes <c>{mirror}/host/path</c>.</summary>
    public static string Mirror(string url, string? mirror) =>
        mirror is null ? url : $"{mirror.TrimEnd('/')}/{url["https://".Length..]}";
}
