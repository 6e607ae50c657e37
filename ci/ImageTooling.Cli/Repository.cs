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

    public static string Revision(string root) =>
        Environment.GetEnvironmentVariable("GITHUB_SHA") is { Length: > 0 } sha
            ? sha
            : Git(root, "rev-parse", "HEAD") ?? "unknown";

    /// <summary>
    /// The commit time, not the wall clock, so that rebuilding the same commit gives the same labels.
    /// </summary>
    public static DateTimeOffset Created(string root)
    {
        if (long.TryParse(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"), out var epoch))
            return DateTimeOffset.FromUnixTimeSeconds(epoch);
        return long.TryParse(Git(root, "log", "-1", "--format=%ct"), out var commit)
            ? DateTimeOffset.FromUnixTimeSeconds(commit)
            : DateTimeOffset.UtcNow;
    }

    private static string? Git(string root, params string[] args)
    {
        try
        {
            var run = ChildProcess.RunAsync("git", args, CancellationToken.None, workingDirectory: root);
            var result = run.GetAwaiter().GetResult(); // the plan is made synchronously, before anything runs
            var output = result.Output.Trim();
            return result.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (PipelineFailure)
        {
            return null; // no git here: the labels say so instead
        }
    }
}
