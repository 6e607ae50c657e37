using YamlDotNet.RepresentationModel;

namespace ImageTooling.Workflow.Tests;

/// <summary>The runner of one architecture: a repository variable an organisation may set (a larger or self-hosted
/// runner), and GitHub's hosted runner of that architecture when it is not set.</summary>
internal sealed record NativeRunner(string Variable, string Default)
{
    /// <summary>What a platform leg's <c>runner</c> is, as the workflows write it.</summary>
    public string Expression => $"${{{{ vars.{Variable} || '{Default}' }}}}";
}

/// <summary>The platforms images/catalog.yaml builds, and the runner that runs each natively.</summary>
internal static class NativeRunners
{
    /// <summary>The runner of each architecture: no platform is built or smoke-tested under emulation.</summary>
    public static readonly IReadOnlyDictionary<string, NativeRunner> ByArchitecture = new Dictionary<string, NativeRunner>
    {
        ["amd64"] = new("LINUX_AMD64_RUNNER", "ubuntu-24.04"),
        ["arm64"] = new("LINUX_ARM64_RUNNER", "ubuntu-24.04-arm"),
    };

    /// <summary>Every job of every workflow whose matrix has platform legs (a <c>platform</c> axis or include entries naming one).</summary>
    public static IReadOnlyList<Job> PlatformJobs() =>
        WorkflowFile.All().SelectMany(w => w.Jobs).Where(j =>
        {
            var matrix = j.Node.Map("strategy").Map("matrix");
            return matrix is not null && (matrix.Get("platform") is not null
                || (matrix.Seq("include")?.Children.OfType<YamlMappingNode>().Any(i => i.Get("platform") is not null) ?? false));
        }).ToList();

    /// <summary>Every platform an image of the catalog lists, in catalog order, each once.</summary>
    public static IReadOnlyList<string> CatalogPlatforms()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Repo.Read(Path.Combine("images", "catalog.yaml"))));
        var images = ((YamlMappingNode)stream.Documents[0].RootNode).Map("images")
            ?? throw new InvalidOperationException("images/catalog.yaml has no images");
        var platforms = images.Children.Values.OfType<YamlMappingNode>().SelectMany(i => i.Get("platforms").Strings()).Distinct().ToList();
        if (platforms.Count == 0) throw new InvalidOperationException("images/catalog.yaml lists no platforms");
        return platforms;
    }

    /// <summary>linux/arm64 → arm64.</summary>
    public static string Architecture(string platform) => platform[(platform.IndexOf('/', StringComparison.Ordinal) + 1)..];

    /// <summary>
    /// The platform legs of a job's matrix, each with the keys GitHub gives it: the `include` entries when the
    /// matrix has no `platform` axis, else each `platform` value extended by the `include` entry naming it (GitHub
    /// adds an include entry's keys to every combination whose original values it matches).
    /// </summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Legs(Job job)
    {
        var matrix = job.Node.Map("strategy").Map("matrix") ?? throw new InvalidOperationException($"{job} has no matrix");
        var include = matrix.Seq("include")?.Children.OfType<YamlMappingNode>().Select(m => m.Scalars()).ToList() ?? [];
        var axis = matrix.Get("platform");
        if (axis is null)
            return include;
        var values = axis.Strings();
        var stray = include.Where(i => !values.Contains(i.GetValueOrDefault("platform") ?? "")).ToList();
        if (stray.Count > 0)
            throw new InvalidOperationException($"{job}: an include entry matching no platform value adds a job of its own: {string.Join(", ", stray.Select(s => string.Join(" ", s)))}");
        return values.Select(platform =>
        {
            var leg = new Dictionary<string, string> { ["platform"] = platform };
            foreach (var entry in include.Where(i => i["platform"] == platform))
            {
                foreach (var (key, value) in entry)
                    leg[key] = value;
            }
            return (IReadOnlyDictionary<string, string>)leg;
        }).ToList();
    }
}
