using ImageTooling.Catalog;

namespace ImageTooling;

/// <summary>
/// The build arguments that carry the catalog into a Dockerfile, per tool of the image's own layer:
/// <c>TOOL_VERSION</c>, and <c>TOOL_URL</c> + <c>TOOL_SHA256</c> / <c>TOOL_CHECKSUMS</c> for a download
/// resolved for the node's platform, or <c>TOOL_PACKAGE</c> (<c>name=version</c>) for a Debian package.
/// </summary>
public static class BuildArguments
{
    public const string BaseImage = "BASE_IMAGE";
    public const string ToolboxTools = "TOOLBOX_TOOLS";

    public static IReadOnlyDictionary<string, string> For(ImageCatalog catalog, ImageDefinition image, Platform platform, PlanOptions options)
    {
        var args = new SortedDictionary<string, string>(StringComparer.Ordinal);
        // Every pinned base image, e.g. DEBIAN_IMAGE, also for stages of derived images that run on it.
        foreach (var (name, reference) in catalog.BaseImages)
            args[$"{name.ToUpperInvariant().Replace('-', '_')}_IMAGE"] = options.BaseImageOverrides.GetValueOrDefault(name) ?? reference;
        foreach (var tool in catalog.ToolsOf(image))
        {
            args[$"{tool.ArgPrefix}_VERSION"] = tool.Version;
            if (tool.Download is { } download)
            {
                args[$"{tool.ArgPrefix}_URL"] = Mirror(tool.Render(download.Url, platform), options.DownloadMirror);
                args[$"{tool.ArgPrefix}_SHA256"] = download.Sha256.GetValueOrDefault(platform.Architecture, "");
                args[$"{tool.ArgPrefix}_CHECKSUMS"] = download.ChecksumsUrl is null
                    ? ""
                    : Mirror(tool.Render(download.ChecksumsUrl, platform), options.DownloadMirror);
            }
            if (tool.Debian is { } debian)
                args[$"{tool.ArgPrefix}_PACKAGE"] = debian.AptSpec;
        }
        // toolbox-help reads this list: each tool of this layer with the command that reports its version.
        args[ToolboxTools] = string.Join("\n", catalog.ToolsOf(image).Select(t => $"{t.Name}\t{t.VersionCommand}"));
        return args;
    }

    /// <summary><c>https://host/path</c> becomes <c>{mirror}/host/path</c>.</summary>
    public static string Mirror(string url, string? mirror) =>
        mirror is null ? url : $"{mirror.TrimEnd('/')}/{url["https://".Length..]}";
}
