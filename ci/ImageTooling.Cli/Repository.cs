using ImageTooling.Catalog;
using ImageTooling.Local;

namespace ImageTooling.Cli;

/// <summary>Facts about the checkout the tool runs in: where the catalog is, which commit, when it was made.</summary>
internal static class Repository
{
    public static string ImagesDirectory(string? given)
    {
        if (given is not null) return given;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "images", CatalogLoader.FileName)))
                    return Path.Combine(dir.FullName, "images");
        throw new InputError($"cannot find images/{CatalogLoader.FileName} above {Directory.GetCurrentDirectory()}: "
            + "run inside the repository or give --images-dir");
    }

    /// <summary>The repository an images folder belongs to: the folder above it.</summary>
    public static string Root(ImageCatalog catalog) => Path.GetDirectoryName(Path.GetFullPath(catalog.Directory).TrimEnd(Path.DirectorySeparatorChar))!;

    /// <summary>The repository's dagger.json, or null when it has none.</summary>
    public static string? DaggerJson(ImageCatalog catalog) =>
        Path.Combine(Root(catalog), "dagger.json") is var file && File.Exists(file) ? File.ReadAllText(file) : null;

    public static async Task<string> RevisionAsync(string root, Func<string, string?> environment, CancellationToken cancellation) =>
        environment("GITHUB_SHA") is { Length: > 0 } sha
            ? sha
            : await GitAsync(root, ["rev-parse", "HEAD"], cancellation) ?? "unknown";

    /// <summary>
    /// The commit time, not the wall clock, so that rebuilding the same commit gives the same labels.
    /// </summary>
    public static async Task<DateTimeOffset> CreatedAsync(string root, Func<string, string?> environment, CancellationToken cancellation)
    {
        if (long.TryParse(environment("SOURCE_DATE_EPOCH"), out var epoch))
            return DateTimeOffset.FromUnixTimeSeconds(epoch);
        return long.TryParse(await GitAsync(root, ["log", "-1", "--format=%ct"], cancellation), out var commit)
            ? DateTimeOffset.FromUnixTimeSeconds(commit)
            : DateTimeOffset.UtcNow;
    }

    /// <summary>git's trimmed output, or null when git is missing, this is no checkout, or git says nothing (the labels say so instead).</summary>
    public static async Task<string?> GitAsync(string root, IReadOnlyList<string> arguments, CancellationToken cancellation)
    {
        var result = await ChildProcess.RunAsync("git", ["-C", root, .. arguments], cancellation, timeout: TimeSpan.FromSeconds(30));
        var output = result.Output.Trim();
        return result.ExitCode == 0 && output.Length > 0 ? output : null;
    }
}
