using System.Security.Cryptography;
using ImageTooling.Catalog;

namespace ImageTooling.Cli;

/// <summary>
/// `imagetool checksums`: compares every pinned sha256 with upstream — the published checksum file,
/// or the artifact itself where upstream publishes none — and with --write pins what upstream says.
/// Run where the internet is, after a version bump (Renovate) changes the catalog.
/// </summary>
internal static class ChecksumRefresh
{
    public static async Task<int> RunAsync(
        ImageCatalog catalog, string? mirror, bool write, TextWriter output, CancellationToken cancellation)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var path = Path.Combine(catalog.Directory, CatalogLoader.FileName);
        var text = await File.ReadAllTextAsync(path, cancellation);
        var drift = 0;
        foreach (var (tool, download) in catalog.Downloads)
        {
            foreach (var platform in Platform.Known)
            {
                string upstream;
                try
                {
                    upstream = await UpstreamSha256Async(http, tool, download, platform, mirror, cancellation);
                }
                catch (HttpRequestException e)
                {
                    throw new PipelineFailure(
                        $"cannot fetch the checksum of {tool.Name} {platform.Architecture}: {e.Message}", e);
                }
                var pinned = download.Sha256.GetValueOrDefault(platform.Architecture);
                var state = pinned == upstream ? "ok" : pinned is null ? "not pinned" : "DIFFERS";
                if (pinned != upstream)
                {
                    drift++;
                    text = ChecksumPins.Pin(text, tool.Name, platform.Architecture, upstream);
                }
                output.WriteLine($"{tool.Name,-10} {tool.Version,-10} {platform.Architecture,-6} {upstream}  {state}");
            }
        }
        if (write && drift > 0)
        {
            CatalogLoader.Parse(path, text, catalog.Directory); // never write a catalog that does not load
            await File.WriteAllTextAsync(path, text, cancellation);
            output.WriteLine($"pinned {drift} checksums in {path}");
        }
        else if (drift > 0)
        {
            output.WriteLine($"{drift} checksums differ from upstream or are not pinned: run with --write to pin them");
            return ExitCodes.Failure;
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// What upstream's checksum file lists for the artifact, or, where there is none, the artifact's own hash.
    /// </summary>
    private static async Task<string> UpstreamSha256Async(
        HttpClient http, Tool tool, Download download, Platform platform, string? mirror, CancellationToken cancellation)
    {
        var url = tool.Render(download.Url, platform);
        if (download.ChecksumsUrl is not { } checksums)
        {
            var artifact = await http.GetByteArrayAsync(BuildArguments.Mirror(url, mirror), cancellation);
            return Convert.ToHexStringLower(SHA256.HashData(artifact));
        }
        var checksumsUrl = tool.Render(checksums, platform);
        var list = await http.GetStringAsync(BuildArguments.Mirror(checksumsUrl, mirror), cancellation);
        var fileName = url[(url.LastIndexOf('/') + 1)..];
        return ChecksumPins.Find(list, fileName)
            ?? throw new PipelineFailure($"{checksumsUrl} lists no sha256 for {fileName}");
    }
}
