namespace ImageTooling.Catalog;

/// <summary>
/// An upstream release artifact: URL and checksum source, with <c>{version}</c> and <c>{arch}</c>
/// placeholders, and for an archive the path of the tool's binary inside it.
/// </summary>
public sealed record Download(
    string Url,
    string? ArchivePath,
    string? ChecksumsUrl,
    IReadOnlyDictionary<string, string> Sha256,
    IReadOnlyDictionary<string, string> ArchNames) : ToolSource
{
    public string ArchName(Platform platform) =>
        ArchNames.TryGetValue(platform.Architecture, out var name) ? name : platform.Architecture;
}
