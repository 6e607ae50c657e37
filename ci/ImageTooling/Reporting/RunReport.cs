using System.Text.Json;
using System.Text.Json.Serialization;
using ImageTooling.Scheduling;

namespace ImageTooling.Reporting;

/// <summary>
/// What a run did, as a file (<c>--metadata-file</c>): every node with its platform, inputs digest, timings and
/// smoke tests, and every published reference with its index and per-platform digests and what happened to each
/// floating tag. Machines read this; the printed lines are for people. The shape is documented in docs/run-report.md.
/// </summary>
public sealed record RunReport(
    int Version, string Command, string Engine, bool Succeeded, RunTiming Timing, IReadOnlyList<NodeReport> Nodes, IReadOnlyList<PublishedReference> Published)
{
    public const int CurrentVersion = 1;

    /// <summary>The platform images <c>stage</c> pushed by digest with no tag; what <c>assemble --staged</c> reads.</summary>
    public IReadOnlyList<StagedImage> Staged { get; init; } = [];

    /// <param name="outcome">What the run did; null when it stopped before its flow returned (a refusal before anything ran).</param>
    public static RunReport From(string command, string engine, ReleaseOutcome? outcome, IReadOnlyList<PublishTarget> targets)
    {
        var board = outcome?.Build?.Board;
        var timing = new RunTiming(0, 0, 0, 0, 0);
        if (board is not null)
        {
            var measured = ScheduleReports.Measured(board);
            timing = new RunTiming(Math.Round(board.WallSeconds, 1), Math.Round(measured.WorkSeconds, 1), measured.Slots,
                Math.Round(measured.CriticalPathSeconds, 1), Math.Round(measured.LowerBoundSeconds, 1))
            { CriticalPath = measured.CriticalPath.Select(n => n.Id).ToList() };
        }
        var nodes = (board?.Statuses ?? []).Select(s => new NodeReport(
            s.Node.Image.Name, s.Node.Platform, s.Node.Labels.GetValueOrDefault(InputsDigest.Label), ScheduleReports.Stage(s.Stage),
            Round(s.BuildSeconds), Round(s.SmokeSeconds), Math.Round(s.WaitedSeconds, 1), s.Smoke)
        { FromCache = s.FromCache }).ToList();
        var published = outcome?.Published ?? [];
        var references = published.Where(p => p.Floating is null).Select(p => new PublishedReference(
            targets.First(t => t.Repository == p.Repository).Image.Name, p.Repository.ToString(), p.Tag, $"{p.Repository}:{p.Tag}", p.Digest,
            p.Unchanged ? "unchanged" : "pushed", p.Platforms,
            published.Where(f => f.Repository == p.Repository && f.Floating is not null)
                .Select(f => new FloatingTagReport(f.Tag, f.Floating!.Moves, f.Floating.Reason, f.Digest.Length == 0 ? null : f.Digest)).ToList())).ToList();
        return new RunReport(CurrentVersion, command, engine, outcome?.Succeeded == true, timing, nodes, references) { Staged = outcome?.Staged ?? [] };
    }

    /// <summary>The digest each repository's version tag <paramref name="tag"/> was pushed as (or found already holding).</summary>
    public IReadOnlyDictionary<string, string> VersionDigests(string tag) =>
        Published.Where(p => p.Tag == tag).ToDictionary(p => p.Repository, p => p.Digest);

    private static double? Round(double? seconds) => seconds is { } s ? Math.Round(s, 1) : null;

    public string ToJson() => JsonSerializer.Serialize(this, Options) + "\n";

    /// <summary>Reads a report; anything that is not one is bad input naming the file.</summary>
    public static RunReport Parse(string json, string source)
    {
        try
        {
            var report = JsonSerializer.Deserialize<RunReport>(json, Options);
            return report is { Version: CurrentVersion, Nodes: not null, Published: not null }
                ? report
                : throw new InputError($"{source} is not an imagetool run report of version {CurrentVersion}");
        }
        catch (JsonException e)
        {
            throw new InputError($"{source} is not an imagetool run report: {e.Message}");
        }
    }

    public static RunReport Read(string path) =>
        Parse(File.Exists(path) ? File.ReadAllText(path) : throw new InputError($"no such run report '{path}'"), path);

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };
}
