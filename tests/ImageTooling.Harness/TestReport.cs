using System.Globalization;
using System.Text;
using ImageTooling.Reporting;

namespace ImageTooling.Harness;

/// <summary>One phase of the test command: when it started and ended (Unix seconds), as tests/run.sh records them.</summary>
public sealed record Phase(string Name, double Start, double End)
{
    public double Seconds => End - Start;

    /// <summary>Reads tests/run.sh's phase file: one line per phase, <c>NAME TAB START TAB END</c>.</summary>
    public static IReadOnlyList<Phase> Read(string file) =>
        File.ReadAllLines(file).Select(l => l.Split('\t')).Where(f => f.Length == 3)
            .Select(f => new Phase(f[0], Parse(f[1]), Parse(f[2]))).ToList();

    private static double Parse(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}

/// <summary>
/// The end of the test command: what failed, the counts per tier, the timing table (each phase, each end-to-end test,
/// the shared release's critical path and how busy its slots were) and the smoke tests of the shared release per
/// platform. Everything comes from files the command's steps wrote: the phase file, the tiers' TRX files and the shared
/// release's run report.
/// </summary>
public sealed class TestReport(IReadOnlyList<Phase> phases, IReadOnlyDictionary<string, IReadOnlyList<TestResult>?> tiers, RunReport? release)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public IEnumerable<TestResult> All => tiers.Values.OfType<IReadOnlyList<TestResult>>().SelectMany(t => t);

    /// <summary>Every tier ran at least one test and no test failed.</summary>
    public bool Succeeded => tiers.Values.All(t => t is { Count: > 0 }) && !All.Any(t => t.Failed);

    public double TotalSeconds => phases.Count == 0 ? 0 : phases.Max(p => p.End) - phases.Min(p => p.Start);

    public string Text()
    {
        var text = new StringBuilder();
        var failed = All.Where(t => t.Failed).ToList();
        if (failed.Count > 0)
        {
            text.AppendLine("Failed tests:");
            foreach (var test in failed)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  [{test.Tier}] {ShortName(test.Name)}");
                foreach (var line in test.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries)) text.AppendLine(CultureInfo.InvariantCulture, $"       {line}");
            }
            text.AppendLine();
        }
        foreach (var (tier, results) in tiers.Where(t => t.Value is not { Count: > 0 }))
            text.AppendLine(CultureInfo.InvariantCulture, $"FAILED: the {tier} tier ran no test (no results were written)");

        text.AppendLine(CultureInfo.InvariantCulture, $"Timing of the test command (seconds from its start; {Environment.ProcessorCount} cores):");
        var origin = phases.Count == 0 ? 0 : phases.Min(p => p.Start);
        text.AppendLine(CultureInfo.InvariantCulture, $"  {"phase",-44} {"from",6} {"to",6} {"seconds",8}");
        foreach (var phase in phases)
            text.AppendLine(CultureInfo.InvariantCulture, $"  {phase.Name,-44} {phase.Start - origin,6:0} {phase.End - origin,6:0} {phase.Seconds,8:0}");
        var endToEnd = EndToEnd();
        if (endToEnd.Count > 0)
        {
            text.AppendLine("  end-to-end tests, in the order they ran:");
            foreach (var test in endToEnd)
                text.AppendLine(CultureInfo.InvariantCulture, $"    {Shorten(ShortName(test.Name), 82),-82} {test.Seconds,8:0}");
        }
        if (release is not null)
        {
            var timing = release.Timing;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Shared release: wall {timing.WallSeconds:0} s; work {timing.WorkSeconds:0} s over {timing.Slots} slots (busy {timing.Busy:P0}); "
                + $"critical path {timing.CriticalPathSeconds:0} s: {string.Join(" -> ", timing.CriticalPath.Select(Node))}");
            text.AppendLine(CultureInfo.InvariantCulture, $"Shared release smoke tests: {SmokeCountsByPlatform()}");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"  {"tier",-44} {"passed",6} {"failed",6} {"skipped",8}");
        foreach (var (tier, results) in tiers)
        {
            var r = results ?? [];
            text.AppendLine(CultureInfo.InvariantCulture, $"  {tier,-44} {r.Count(t => t.Passed),6} {r.Count(t => t.Failed),6} {r.Count(t => t.Skipped),8}");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"Tests took {TotalSeconds:0} s.");
        text.AppendLine(CultureInfo.InvariantCulture, $"{All.Count(t => t.Passed)} passed, {All.Count(t => t.Failed)} failed, {All.Count(t => t.Skipped)} skipped");
        return text.ToString();
    }

    /// <summary>The timing table as Markdown (what bench/run.sh --test-command records in BENCHMARKS.md).</summary>
    public string Markdown()
    {
        var text = new StringBuilder();
        var origin = phases.Count == 0 ? 0 : phases.Min(p => p.Start);
        text.AppendLine("| phase | from (s) | to (s) | seconds |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var phase in phases)
            text.AppendLine(CultureInfo.InvariantCulture, $"| {phase.Name} | {phase.Start - origin:0} | {phase.End - origin:0} | {phase.Seconds:0} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| **the whole test command** | | | **{TotalSeconds:0}** |");
        var endToEnd = EndToEnd();
        if (endToEnd.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| end-to-end test (in the order they ran) | seconds |");
            text.AppendLine("|---|---:|");
            foreach (var test in endToEnd)
                text.AppendLine(CultureInfo.InvariantCulture, $"| `{ShortName(test.Name)}` | {test.Seconds:0} |");
        }
        if (release is not null)
        {
            var timing = release.Timing;
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Shared release: wall {timing.WallSeconds:0} s; work {timing.WorkSeconds:0} s over {timing.Slots} slots (busy {timing.Busy:P0}); "
                + $"critical path {timing.CriticalPathSeconds:0} s: {string.Join(" → ", timing.CriticalPath.Select(Node))}. Smoke tests: {SmokeCountsByPlatform()}.");
        }
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Result: {All.Count(t => t.Passed)} passed, {All.Count(t => t.Failed)} failed, {All.Count(t => t.Skipped)} skipped.");
        return text.ToString();
    }

    private List<TestResult> EndToEnd() =>
        tiers.Where(t => t.Key.StartsWith("end-to-end", StringComparison.Ordinal)).SelectMany(t => t.Value ?? [])
            .OrderBy(t => t.Start ?? DateTimeOffset.MaxValue).ToList();

    /// <summary>A node of the critical path with its measured build and smoke seconds.</summary>
    private string Node(string id)
    {
        var node = release!.Nodes.FirstOrDefault(n => $"{n.Image} {n.Platform}" == id);
        return node is null ? id : $"{id} (build {node.BuildSeconds ?? 0:0} s, smoke tests {node.SmokeSeconds ?? 0:0} s of work)";
    }

    private string SmokeCountsByPlatform()
    {
        var nodes = release!.Nodes;
        var perPlatform = nodes.GroupBy(n => n.Platform.ToString()).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}: {SmokeCounts.Of(g.SelectMany(n => n.SmokeTests))}");
        return $"{string.Join("; ", perPlatform)}; in all: {SmokeCounts.Of(nodes.SelectMany(n => n.SmokeTests))}";
    }

    private static string ShortName(string name)
    {
        // Namespace.Class.Method -> Class.Method
        var parts = name.Split('(')[0].Split('.');
        return parts.Length <= 2 ? name : string.Join('.', parts[^2..]);
    }

    private static string Shorten(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
