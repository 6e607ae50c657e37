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
    public static async Task<int> RunAsync(ImageCatalog catalog, string? mirror, bool write, TextWriter output, CancellationToken cancellation)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var path = Path.Combine(catalog.Directory, CatalogLoader.FileName);
        var text = await File.ReadAllTextAsync(path, cancellation);
        var drift = 0;
        foreach (var tool in catalog.Tools.Values.Where(t => t.Download is not null))
        {
            foreach (var platform in Platform.Known.Select(p => Platform.TryParse(p, out var x) ? x : throw new InvalidOperationException(p)))
            {
                var download = tool.Download!;
                var url = tool.Render(download.Url, platform);
                string upstream;
                try
                {
                    upstream = download.ChecksumsUrl is { } checksums
                        ? ChecksumPins.Find(await http.GetStringAsync(BuildArguments.Mirror(tool.Render(checksums, platform), mirror), cancellation), url[(url.LastIndexOf('/') + 1)..])
                            ?? throw new PipelineFailure($"{tool.Render(checksums, platform)} lists no sha256 for {url[(url.LastIndexOf('/') + 1)..]}")
                        : Convert.ToHexStringLower(SHA256.HashData(await http.GetByteArrayAsync(BuildArguments.Mirror(url, mirror), cancellation)));
                }
                catch (HttpRequestException e)
                {
                    throw new PipelineFailure($"cannot fetch the checksum of {tool.Name} {platform.Architecture}: {e.Message}");
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
}
