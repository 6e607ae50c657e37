using System.Text.RegularExpressions;

namespace ImageTooling.Catalog;

/// <summary>
/// Reading upstream checksum files, and rewriting the catalog's sha256 pins in place (comments and layout kept).
/// </summary>
public static partial class ChecksumPins
{
    /// <summary>
    /// The sha256 for <paramref name="fileName"/> in a sha256sum-style list, or the lone hash of a one-file
    /// checksum file.
    /// </summary>
    public static string? Find(string checksumFile, string fileName)
    {
        var words = checksumFile.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 1 && Sha256().IsMatch(words[0])) return words[0];
        foreach (var line in checksumFile.Split('\n'))
        {
            var parts = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var name = parts.Length == 2 ? parts[1].TrimStart('*').Replace("./", "", StringComparison.Ordinal) : null;
            if (name == fileName && Sha256().IsMatch(parts[0]))
                return parts[0];
        }
        return null;
    }

    /// <summary>
    /// Sets <c>tools.TOOL.download.sha256.ARCH</c> in the catalog text, adding the mapping when absent.
    /// </summary>
    public static string Pin(string catalogText, string tool, string arch, string sha256)
    {
        if (!Sha256().IsMatch(sha256)) throw new ArgumentException($"not a sha256: {sha256}", nameof(sha256));
        var lines = catalogText.Split('\n').ToList();
        var start = lines.FindIndex(l => l == $"  {tool}:");
        if (start < 0) throw new InputError($"tool '{tool}' is not in the catalog");
        var end = lines.FindIndex(start + 1,
            l => l.Length > 0 && !l.StartsWith("   ", StringComparison.Ordinal) && !l.TrimStart().StartsWith('#'));
        if (end < 0) end = lines.Count;
        var download = lines.FindIndex(start, end - start, l => l == "    download:");
        if (download < 0) throw new InputError($"tool '{tool}' has no download to pin");
        var sha = lines.FindIndex(download, end - download, l => l == "      sha256:");
        if (sha < 0)
        {
            var url = lines.FindIndex(download, end - download,
                l => l.StartsWith("      url: ", StringComparison.Ordinal));
            lines.Insert(url + 1, "      sha256:");
            lines.Insert(url + 2, $"        {arch}: {sha256}");
            return string.Join('\n', lines);
        }
        var existing = lines.FindIndex(sha + 1, end - sha - 1,
            l => l.StartsWith($"        {arch}: ", StringComparison.Ordinal));
        if (existing >= 0)
            lines[existing] = $"        {arch}: {sha256}";
        else
        {
            var pins = lines.Skip(sha + 1).TakeWhile(l => l.StartsWith("        ", StringComparison.Ordinal)).Count();
            lines.Insert(arch == "amd64" ? sha + 1 : sha + 1 + pins, $"        {arch}: {sha256}");
        }
        return string.Join('\n', lines);
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256();
}
