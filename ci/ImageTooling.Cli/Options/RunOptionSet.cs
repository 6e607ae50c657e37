using System.CommandLine;

namespace ImageTooling.Cli;

/// <summary>How a run goes: builds at once, the engine, where logs and the run report go, the local engine's registry cache.</summary>
internal static class RunOptionSet
{
    public static readonly Option<int> Jobs = new("--jobs") { Description = "Builds at once (default: the number of processors)", DefaultValueFactory = _ => Environment.ProcessorCount };
    public static readonly Option<string> Engine = new("--engine") { Description = "auto (Dagger inside a Dagger session, else local), local or dagger", DefaultValueFactory = _ => "auto" };
    public static readonly Option<string?> LogDir = new("--log-dir") { Description = "Where build logs go (default: artifacts/logs under the current directory)" };
    public static readonly Option<string?> MetadataFile = new("--metadata-file") { Description = "Write the run report (JSON, docs/run-report.md) to this file; '-' writes it to standard output and the printed lines to standard error" };
    public static readonly Option<string?> RegistryCache = new("--registry-cache") { Description = "Local engine: a repository (HOST/PATH) of images by inputs digest; a node built before is pulled from it instead of built, a node built now is pushed to it (podman's own registry login)" };

    /// <summary>The plan's options and these: what build, test, publish-multi-arch and stage take.</summary>
    public static readonly Option[] All = [.. PlanOptionSet.All, Jobs, Engine, LogDir, MetadataFile, RegistryCache];

    public static int JobCount(ParseResult r)
    {
        var jobs = r.GetValue(Jobs);
        return jobs >= 1 ? jobs : throw new InputError($"--jobs must be at least 1, got {jobs}");
    }

    public static string LogDirectory(ParseResult r) => r.GetValue(LogDir) ?? Path.Combine(Directory.GetCurrentDirectory(), "artifacts", "logs");

    /// <summary>Where the lines for people go: standard error when the run report takes standard output.</summary>
    public static TextWriter Printed(ParseResult r, CommandContext c) => r.GetValue(MetadataFile) == "-" ? c.Error : c.Output;

    public static string? CacheRepository(ParseResult r)
    {
        if (r.GetValue(RegistryCache) is not { } cache) return null;
        var reference = ImageReference.Parse(cache);
        var repository = reference.Tag is null && reference.Digest is null && !cache.Contains("://", StringComparison.Ordinal)
            && cache.StartsWith($"{reference.Host}/", StringComparison.Ordinal) && reference.Path.Length > 0;
        return repository
            ? cache
            : throw new InputError($"--registry-cache takes a repository HOST/PATH without tag or digest (imagetool tags each cached image by its inputs), got '{cache}'");
    }
}
