using System.Text.Json;

namespace ImageTooling.Testing;

/// <summary>
/// Reads imagetool's run report (<c>--metadata-file FILE</c>, docs/run-report.md) for tests that check what a run
/// did: they read this file, not the printed lines, which are for people and may change.
/// </summary>
internal static class RunReportFile
{
    public static JsonDocument Read(string path) => JsonDocument.Parse(File.ReadAllText(path));

    public static bool Succeeded(JsonDocument report) => report.RootElement.GetProperty("succeeded").GetBoolean();

    /// <summary>Every node in plan order: image, platform, status (<c>done</c>, <c>failed</c>, ...) and its smoke tests' outcomes by name.</summary>
    public static IReadOnlyList<(string Image, string Platform, string Status, IReadOnlyDictionary<string, string> Smoke)> Nodes(JsonDocument report) =>
        report.RootElement.GetProperty("nodes").EnumerateArray().Select(n => (
            n.GetProperty("image").GetString()!,
            n.GetProperty("platform").GetString()!,
            n.GetProperty("status").GetString()!,
            (IReadOnlyDictionary<string, string>)n.GetProperty("smokeTests").EnumerateArray()
                .ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("outcome").GetString()!))).ToList();

    /// <summary>A published version tag (REPOSITORY:TAG): its index digest, <c>pushed</c> or <c>unchanged</c>, and each platform's manifest digest.</summary>
    public static (string Digest, string Status, IReadOnlyDictionary<string, string> Platforms) Published(JsonDocument report, string reference)
    {
        var entry = Entry(report, reference);
        return (entry.GetProperty("digest").GetString()!, entry.GetProperty("status").GetString()!,
            entry.GetProperty("platforms").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
    }

    /// <summary>The floating tags of a published version tag: whether each moved, and the digest it points at when it did.</summary>
    public static IReadOnlyList<(string Tag, bool Moved, string? Digest)> FloatingTags(JsonDocument report, string reference) =>
        Entry(report, reference).GetProperty("floatingTags").EnumerateArray()
            .Select(t => (t.GetProperty("tag").GetString()!, t.GetProperty("moved").GetBoolean(), t.GetProperty("digest").GetString())).ToList();

    private static JsonElement Entry(JsonDocument report, string reference) =>
        report.RootElement.GetProperty("published").EnumerateArray().SingleOrDefault(p => p.GetProperty("reference").GetString() == reference) is { ValueKind: JsonValueKind.Object } entry
            ? entry
            : throw new InvalidOperationException($"the run report names no published {reference}");
}
