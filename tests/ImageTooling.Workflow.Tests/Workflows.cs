using YamlDotNet.RepresentationModel;

namespace ImageTooling.Workflow.Tests;

/// <summary>A workflow file of .github/workflows, parsed with YamlDotNet.</summary>
internal sealed class WorkflowFile
{
    private WorkflowFile(string name, string text, YamlMappingNode root)
    {
        Name = name;
        Text = text;
        Root = root;
        var jobs = root.Map("jobs");
        Jobs = jobs is null
            ? []
            : jobs.Children.Select(pair => new Job(this, ((YamlScalarNode)pair.Key).Value!, (YamlMappingNode)pair.Value)).ToList();
    }

    public string Name { get; }
    public string Text { get; }
    public YamlMappingNode Root { get; }
    public IReadOnlyList<Job> Jobs { get; }

    /// <summary>The `on:` section (a mapping in both of this repository's workflows).</summary>
    public YamlMappingNode On => Root.Map("on") ?? throw new InvalidOperationException($"{Name} has no `on:` mapping");

    public IEnumerable<Step> Steps => Jobs.SelectMany(j => j.Steps);

    public Job Job(string id) => Jobs.SingleOrDefault(j => j.Id == id) ?? throw new InvalidOperationException($"{Name} has no job '{id}'");

    public static WorkflowFile Load(string name) => Parse(name, Repo.Read(Path.Combine(".github", "workflows", name)));

    /// <summary>A workflow from text: the real files, or a broken one a test shows a check rejects.</summary>
    public static WorkflowFile Parse(string name, string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return new WorkflowFile(name, text, (YamlMappingNode)stream.Documents[0].RootNode);
    }

    public static IReadOnlyList<WorkflowFile> All() =>
        Directory.EnumerateFiles(Repo.PathOf(Path.Combine(".github", "workflows")))
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => Load(Path.GetFileName(f)))
            .ToList();

    public override string ToString() => Name;
}

internal sealed class Job
{
    public Job(WorkflowFile workflow, string id, YamlMappingNode node)
    {
        Workflow = workflow;
        Id = id;
        Node = node;
        Steps = (node.Seq("steps")?.Children ?? []).Select((s, i) => new Step(this, i, (YamlMappingNode)s)).ToList();
    }

    public WorkflowFile Workflow { get; }
    public string Id { get; }
    public YamlMappingNode Node { get; }
    public IReadOnlyList<Step> Steps { get; }
    public string? If => Node.Scalar("if");
    public YamlMappingNode? Permissions => Node.Map("permissions");

    public IReadOnlyList<string> Needs => Node.Get("needs") switch
    {
        YamlScalarNode s => [s.Value!],
        YamlSequenceNode q => q.Children.Select(c => ((YamlScalarNode)c).Value!).ToList(),
        _ => [],
    };

    public Step StepUsing(string action) =>
        Steps.SingleOrDefault(s => s.Action == action) ?? throw new InvalidOperationException($"{Workflow.Name} job {Id} uses no {action}");

    public override string ToString() => $"{Workflow.Name}:{Id}";
}

internal sealed class Step
{
    public Step(Job job, int index, YamlMappingNode node)
    {
        Job = job;
        Index = index;
        Node = node;
    }

    public Job Job { get; }
    public int Index { get; }
    public YamlMappingNode Node { get; }
    public string? Id => Node.Scalar("id");
    public string? Name => Node.Scalar("name");
    public string? Uses => Node.Scalar("uses");
    public string? Run => Node.Scalar("run");

    /// <summary>owner/repo of a `uses:` (without @ref), or null.</summary>
    public string? Action => Uses?.Split('@')[0];

    public IReadOnlyDictionary<string, string> With => Node.Map("with").Scalars();
    public IReadOnlyDictionary<string, string> Env => Node.Map("env").Scalars();

    public override string ToString() => $"{Job}:steps[{Index}]{(Name is null ? "" : $" ({Name})")}";
}

internal static class YamlExtensions
{
    public static YamlNode? Get(this YamlMappingNode? map, string key) =>
        map is not null && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static string? Scalar(this YamlMappingNode? map, string key) => (map.Get(key) as YamlScalarNode)?.Value;
    public static YamlMappingNode? Map(this YamlMappingNode? map, string key) => map.Get(key) as YamlMappingNode;
    public static YamlSequenceNode? Seq(this YamlMappingNode? map, string key) => map.Get(key) as YamlSequenceNode;

    public static IReadOnlyList<string> Keys(this YamlMappingNode? map) =>
        map?.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToList() ?? [];

    public static IReadOnlyDictionary<string, string> Scalars(this YamlMappingNode? map) =>
        map?.Children.Where(p => p.Value is YamlScalarNode)
            .ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => ((YamlScalarNode)p.Value).Value ?? "")
        ?? new Dictionary<string, string>();

    public static IReadOnlyList<string> Strings(this YamlNode? node) => node switch
    {
        YamlScalarNode s => [s.Value ?? ""],
        YamlSequenceNode q => q.Children.OfType<YamlScalarNode>().Select(c => c.Value ?? "").ToList(),
        _ => [],
    };

    /// <summary>Every scalar below a node with its path (a.b[0].c), for checks that span the whole file.</summary>
    public static IEnumerable<(string Path, string Value)> AllScalars(this YamlNode node, string path = "")
    {
        switch (node)
        {
            case YamlScalarNode s:
                yield return (path, s.Value ?? "");
                break;
            case YamlMappingNode m:
                foreach (var (key, value) in m.Children)
                {
                    var name = ((YamlScalarNode)key).Value;
                    foreach (var item in value.AllScalars(path.Length == 0 ? name! : $"{path}.{name}"))
                        yield return item;
                }
                break;
            case YamlSequenceNode q:
                for (var i = 0; i < q.Children.Count; i++)
                {
                    foreach (var item in q.Children[i].AllScalars($"{path}[{i}]"))
                        yield return item;
                }
                break;
        }
    }
}
