using System.Text.Json;

namespace ImageTooling.Scheduling;

/// <summary>
/// The build and smoke-test seconds of every node as the last run that built it measured them
/// (<c>durations.json</c> beside the build logs), the scheduler's first source of expected times.
/// They describe real builds only: those of one <see cref="Machine"/> (the engine kind and the machine that
/// built), never a build that took under <see cref="MinimumBuildSeconds"/> (a simulation, or a cache hit), and never
/// an image pulled from a registry cache instead of built.
/// </summary>
public sealed record DurationHistory(string Machine, IReadOnlyDictionary<string, ExpectedTime> Nodes)
{
    public const string FileName = "durations.json";

    /// <summary>Nothing is built in less: a shorter "build" was answered without building and says nothing about the next one.</summary>
    public const double MinimumBuildSeconds = 1;

    public static DurationHistory Empty(string machine) => new(machine, new Dictionary<string, ExpectedTime>());

    /// <summary>
    /// A missing or unreadable file, or one recorded by another engine or machine, is an empty history: it is a
    /// cache, rewritten by the next run that builds.
    /// </summary>
    public static DurationHistory Load(string path, string machine)
    {
        try
        {
            var file = JsonSerializer.Deserialize<DurationHistory>(File.ReadAllText(path), JsonOptions);
            return file?.Machine != machine || file.Nodes is null
                ? Empty(machine)
                : new DurationHistory(machine, file.Nodes.Where(n => Valid(n.Value))
                    .ToDictionary(n => n.Key, n => n.Value with { Tests = n.Value.Tests ?? new Dictionary<string, double>() }));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return Empty(machine);
        }
    }

    private static bool Valid(ExpectedTime? time) =>
        time is not null && Valid(time.BuildSeconds) && Valid(time.SmokeSeconds) && (time.Tests ?? new Dictionary<string, double>()).Values.All(Valid);

    private static bool Valid(double seconds) => double.IsFinite(seconds) && seconds >= 0;

    /// <summary>The last run's times for the node; the catalog's hint when no run has built it.</summary>
    public ExpectedTime For(BuildNode node) => Nodes.GetValueOrDefault(node.Id) ?? ExpectedTime.FromCatalog(node);

    /// <summary>Where the expected time of a node comes from.</summary>
    public string SourceOf(BuildNode node) =>
        Nodes.ContainsKey(node.Id) ? "last run" : node.Image.ExpectedBuildSeconds.ContainsKey(node.Platform) ? "catalog hint" : "unknown";

    /// <summary>
    /// This history with the nodes a run built successfully replaced by that run's times; a node whose
    /// smoke tests did not run (or failed) keeps the smoke seconds (and each test's seconds) it had. For unchanged inputs the longer
    /// build time stays: a build answered from the cache says nothing about the next cold one. A run that
    /// built nothing (every build under <see cref="MinimumBuildSeconds"/>) returns this same history.
    /// </summary>
    public DurationHistory With(IEnumerable<NodeStatus> run)
    {
        var built = run.Where(s => s.BuildSeconds >= MinimumBuildSeconds && !s.FromCache).ToList();
        if (built.Count == 0) return this;
        var nodes = Nodes.ToDictionary();
        foreach (var status in built)
        {
            var previous = Nodes.GetValueOrDefault(status.Node.Id);
            var inputs = status.Node.Labels.GetValueOrDefault(InputsDigest.Label);
            var build = Math.Round(status.BuildSeconds!.Value, 1);
            if (previous?.Inputs is not null && previous.Inputs == inputs) build = Math.Max(build, previous.BuildSeconds);
            var tested = status.Stage == NodeStage.Done && status.SmokeSeconds is not null;
            var measured = ExpectedTime.Measured(status);
            nodes[status.Node.Id] = new ExpectedTime(build, Math.Round(tested ? measured.SmokeSeconds : previous?.SmokeSeconds ?? 0, 1))
            {
                Inputs = inputs,
                Tests = tested ? measured.Tests : previous?.Tests ?? new Dictionary<string, double>(),
            };
        }
        return this with { Nodes = nodes };
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this with { Nodes = Nodes.OrderBy(n => n.Key, StringComparer.Ordinal).ToDictionary() }, JsonOptions) + "\n");
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
