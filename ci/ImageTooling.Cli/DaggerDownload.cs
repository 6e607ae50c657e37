using ImageTooling.Catalog;

namespace ImageTooling.Cli;

/// <summary>
/// Where the workflows get the Dagger CLI: the catalog's pinned <c>dagger</c> release for one architecture, its tarball
/// URL, the sha256 it must have and the binary's path inside it. The same pin the buildx image installs, so the CLI
/// that drives a release is the version the catalog (and dagger.json) name, and a tampered tarball fails its checksum.
/// </summary>
internal sealed record DaggerDownload(string Version, string Url, string Sha256, string ArchivePath)
{
    public static DaggerDownload For(ImageCatalog catalog, string? daggerJson, string architecture)
    {
        var version = DaggerVersion.Of(catalog, daggerJson);
        var tool = catalog.Tools["dagger"];
        var platform = Platform.KnownOrNull($"linux/{architecture}")
            ?? throw new InputError($"'{architecture}' is not a platform architecture the project builds for ({string.Join(", ", Platform.Architectures)})");
        var download = tool.Source as Download ?? throw new InputError($"{tool.Spot}: tools.dagger has no download: the workflows install the CLI from it");
        if (download.ArchivePath is null)
            throw new InputError($"{tool.Spot}: tools.dagger.download has no archive-path");
        if (!download.Sha256.TryGetValue(architecture, out var sha256))
            throw new InputError($"{tool.Spot}: tools.dagger.download.sha256 has no {architecture} entry");
        return new DaggerDownload(version, tool.Render(download.Url, platform), sha256, tool.Render(download.ArchivePath, platform));
    }

    /// <summary>Lines for $GITHUB_OUTPUT: version=, url=, sha256=, archive-path=.</summary>
    public string GithubOutput() => $"version={Version}\nurl={Url}\nsha256={Sha256}\narchive-path={ArchivePath}\n";
}
