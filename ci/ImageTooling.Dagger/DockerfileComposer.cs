using System.Text;
using System.Text.RegularExpressions;

namespace ImageTooling.Dagger;

/// <summary>
/// Dagger's <c>dockerBuild</c> has no named build contexts, and a derived image must not be built on
/// a base pulled from a registry. So the base's Dockerfile and the derived one become ONE Dockerfile:
/// the base's final stage gets a name, the derived's <c>FROM ${BASE_IMAGE}</c> resolves to it through
/// <c>BASE_IMAGE=&lt;that name&gt;</c>, and BuildKit builds the base stages once, exactly as the base
/// image's own build does (same instructions, same arguments), sharing its cache.
/// </summary>
internal static partial class DockerfileComposer
{
    public static DockerfileSource Compose(
        DockerfileSource baseFile, DockerfileSource derived, string baseStageName, string path)
    {
        var b = Parse(baseFile);
        var d = Parse(derived);
        if (!StageName().IsMatch(baseStageName))
            throw new InputError($"'{baseStageName}' cannot name a Dockerfile stage");
        if (b.Stages.Count == 0 || d.Stages.Count == 0)
            throw new InputError($"cannot compose {baseFile.Path} and {derived.Path}: "
                + $"{(b.Stages.Count == 0 ? baseFile.Path : derived.Path)} has no FROM");

        var final = b.Stages[^1];
        var stage = final.Name ?? baseStageName;
        var baseNames = b.Stages.Select(s => s.Name).OfType<string>().Append(stage)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var clash in d.Stages.Select(s => s.Name).OfType<string>().Where(baseNames.Contains))
            throw new InputError($"cannot compose {baseFile.Path} and {derived.Path}: both define a stage '{clash}'; "
                + $"rename it in {derived.Path}");

        var derivedArgs = new Dictionary<string, string>(derived.BuildArgs) { [BuildArguments.BaseImage] = stage };
        // A build argument applies to every stage that declares it. Where the base's stages would see
        // another value than the base image's own build gives them (TOOLBOX_TOOLS: each layer lists its
        // own tools), the derived part reads it under another name instead.
        var declaredInBase = Declared(b);
        var renames = derivedArgs
            .Where(a => baseFile.BuildArgs.TryGetValue(a.Key, out var value)
                ? value != a.Value
                : declaredInBase.Contains(a.Key))
            .ToDictionary(a => a.Key, a => $"{a.Key}__{Suffix(derived.Path)}");

        var args = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in baseFile.BuildArgs) args[key] = value;
        foreach (var (key, value) in derivedArgs) args[renames.GetValueOrDefault(key, key)] = value;

        var baseLines = b.Lines.ToArray();
        if (final.Name is null) baseLines[final.LastLine] = baseLines[final.LastLine].TrimEnd() + $" AS {stage}";
        var derivedBody = Rename(string.Join("\n", d.Lines.Skip(d.Stages[0].FirstLine)), renames);
        var globals = b.GlobalArgs.Concat(d.GlobalArgs.Select(a => Rename(a, renames))).Distinct().ToList();

        var text = new StringBuilder();
        foreach (var directive in b.Directives) text.Append(directive).Append('\n');
        text.Append($"# Composed by imagetool for the Dagger engine: {baseFile.Path} (final stage '{stage}'), then "
            + $"{derived.Path}.\n");
        foreach (var arg in globals) text.Append(arg).Append('\n');
        text.Append($"\n# ---- {baseFile.Path}\n");
        text.Append(string.Join("\n", baseLines.Skip(b.Stages[0].FirstLine)).TrimEnd()).Append('\n');
        text.Append($"\n# ---- {derived.Path}\n");
        text.Append(derivedBody.TrimEnd()).Append('\n');
        return new DockerfileSource(path, text.ToString(), args);
    }

    /// <summary>The stages of a Dockerfile in order: name (null if unnamed) and the base each is built FROM.</summary>
    public static IReadOnlyList<(string? Name, string From)> Stages(string text) =>
        Parse(new DockerfileSource("Dockerfile", text, new Dictionary<string, string>()))
            .Stages.Select(s => (s.Name, s.From)).ToList();

    private sealed record Stage(int FirstLine, int LastLine, string From, string? Name);

    private sealed record Parsed(
        string[] Lines,
        List<string> Directives,
        List<string> GlobalArgs,
        List<Stage> Stages,
        List<string> ArgInstructions);

    private static Parsed Parse(DockerfileSource file)
    {
        var lines = file.Text.Replace("\r\n", "\n").Split('\n');
        var directives = new List<string>();
        var globals = new List<string>();
        var stages = new List<Stage>();
        var argInstructions = new List<string>();
        var i = 0;
        for (; i < lines.Length && Directive().Match(lines[i]) is { Success: true } match; i++)
        {
            var escape = match.Groups["key"].Value.Equals("escape", StringComparison.OrdinalIgnoreCase);
            if (escape && match.Groups["value"].Value.Trim() != "\\")
                throw new InputError($"{file.Path}: only the default escape character '\\' is supported when composing "
                    + "Dockerfiles");
            directives.Add(lines[i]);
        }
        while (i < lines.Length)
        {
            var trimmed = lines[i].TrimStart();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                i++;
                continue;
            }
            var first = i;
            var logical = new StringBuilder();
            // An instruction continues over lines ending in a backslash; comment lines inside it are skipped.
            while (i < lines.Length)
            {
                var line = lines[i++];
                if (line.TrimStart().StartsWith('#') && i - 1 > first) continue;
                var body = line.TrimEnd();
                if (body.EndsWith('\\'))
                {
                    logical.Append(body[..^1]).Append(' ');
                    continue;
                }
                logical.Append(body);
                break;
            }
            var instruction = logical.ToString().Trim();
            var keyword = instruction.Split(' ', 2)[0].ToUpperInvariant();
            if (keyword == "FROM")
            {
                var from = From().Match(instruction);
                if (!from.Success)
                    throw new InputError($"{file.Path}:{first + 1}: cannot read the FROM instruction '{instruction}'");
                var name = from.Groups["name"].Success ? from.Groups["name"].Value : null;
                stages.Add(new Stage(first, i - 1, from.Groups["image"].Value, name));
            }
            else if (keyword == "ARG")
            {
                argInstructions.Add(instruction);
                if (stages.Count == 0) globals.Add(string.Join("\n", lines[first..i]));
            }
        }
        return new Parsed(lines, directives, globals, stages, argInstructions);
    }

    /// <summary>Every name a Dockerfile declares with ARG, in any stage or before the first.</summary>
    private static HashSet<string> Declared(Parsed file) =>
        file.ArgInstructions
            .SelectMany(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
            .Select(a => a.Split('=')[0])
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Renames an argument where it is declared (<c>ARG NAME</c>) and where it is used (<c>$NAME</c>,
    /// <c>${NAME...}</c>).
    /// </summary>
    private static string Rename(string text, IReadOnlyDictionary<string, string> renames)
    {
        foreach (var (from, to) in renames)
        {
            var name = Regex.Escape(from);
            text = Regex.Replace(text, $@"\$(\{{?){name}\b", "$$${1}" + to);
            var declaration = $@"(?<=^[ \t]*ARG[ \t]+(?:\S+[ \t]+)*){name}(?=[=\s]|$)";
            text = Regex.Replace(text, declaration, to, RegexOptions.Multiline | RegexOptions.IgnoreCase);
        }
        return text;
    }

    private static string Suffix(string path)
    {
        var folder = Path.GetDirectoryName(path)?.Replace('\\', '/').Split('/').LastOrDefault(p => p.Length > 0)
            ?? "DERIVED";
        return NotArgChar().Replace(folder.ToUpperInvariant(), "_");
    }

    [GeneratedRegex(@"^#[ \t]*(?<key>[A-Za-z][A-Za-z0-9]*)[ \t]*=(?<value>.*)$")]
    private static partial Regex Directive();

    [GeneratedRegex(@"^FROM\s+(?:--\S+\s+)*(?<image>\S+)(?:\s+AS\s+(?<name>\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex From();

    [GeneratedRegex("^[a-z][a-z0-9._-]*$")]
    private static partial Regex StageName();

    [GeneratedRegex("[^A-Z0-9_]")]
    private static partial Regex NotArgChar();
}
