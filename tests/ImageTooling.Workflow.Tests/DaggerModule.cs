using System.Text.RegularExpressions;

namespace ImageTooling.Workflow.Tests;

/// <summary>
/// The functions of the Dagger module (ci/module) and their arguments, as `dagger call` spells them
/// (kebab-case). Read from the module's C# source ([Function] methods) when it exists; the list agreed
/// with the module's author stands in until then.
/// </summary>
internal sealed class DaggerModule
{
    /// <summary>What the workflows were written against; the module source must provide at least this.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> Agreed = new Dictionary<string, IReadOnlySet<string>>
    {
        ["list"] = new HashSet<string> { "source" },
        ["build"] = new HashSet<string> { "source", "image", "platform" },
        ["test"] = new HashSet<string> { "source", "image", "platform" },
        ["publish-multi-arch"] = new HashSet<string>
        {
            "source", "tag", "branch-tag", "image", "platform", "registry", "no-floating-tags", "force", "username", "token",
        },
    };

    public const string ModuleDirectory = "ci/module";

    private DaggerModule(IReadOnlyDictionary<string, IReadOnlySet<string>> functions, bool fromSource)
    {
        Functions = functions;
        FromSource = fromSource;
    }

    public IReadOnlyDictionary<string, IReadOnlySet<string>> Functions { get; }
    public bool FromSource { get; }

    /// <summary>The module as its source declares it, or the agreed list while there is no source.</summary>
    public static DaggerModule Load()
    {
        var files = SourceFiles(Repo.PathOf(ModuleDirectory));
        if (files.Count == 0)
            return new DaggerModule(Agreed, fromSource: false);
        var functions = new Dictionary<string, IReadOnlySet<string>>();
        foreach (var file in files)
        {
            foreach (var (name, parameters) in ParseFunctions(File.ReadAllText(file)))
                functions[name] = parameters;
        }
        if (functions.Count == 0)
            throw new InvalidOperationException($"{ModuleDirectory} has C# files but no [Function] method was found in {string.Join(", ", files)}");
        return new DaggerModule(functions, fromSource: true);
    }

    /// <summary>The module's own .cs files: not the vendored SDK, not build output.</summary>
    public static IReadOnlyList<string> SourceFiles(string directory)
    {
        if (!Directory.Exists(directory))
            return [];
        string[] skipped = ["sdk", "bin", "obj", "node_modules", ".dagger"];
        return Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(directory, f).Split(Path.DirectorySeparatorChar)
                .Any(part => skipped.Contains(part, StringComparer.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static readonly Regex FunctionAttribute = new(@"\[\s*(?:Dagger\.)?Function(?:Attribute)?\b", RegexOptions.Compiled);
    private static readonly Regex Signature = new(
        @"\G\s*(?:(?:public|internal|protected|private|static|async|virtual|override|sealed|new|partial|unsafe)\s+)*(?<type>[\w.<>\[\]?,\s]+?)\s+(?<name>@?\w+)\s*\(",
        RegexOptions.Compiled);
    private static readonly Regex NameOverride = new(@"Name\s*=\s*""(?<name>[^""]+)""", RegexOptions.Compiled);

    /// <summary>[Function] methods of a C# source: kebab-case name → kebab-case parameter names.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> ParseFunctions(string source)
    {
        var found = new Dictionary<string, IReadOnlySet<string>>();
        foreach (Match attribute in FunctionAttribute.Matches(source))
        {
            var open = attribute.Index;
            var close = MatchingClose(source, open);
            var attributeText = source[open..(close + 1)];
            var at = SkipAttributesAndComments(source, close + 1);
            var signature = Signature.Match(source, at);
            if (!signature.Success)
                continue;
            var paramsOpen = signature.Index + signature.Length - 1;
            var paramsClose = MatchingClose(source, paramsOpen);
            var parameters = SplitTopLevel(source[(paramsOpen + 1)..paramsClose], ',')
                .Select(ParameterName)
                .OfType<string>()
                .Select(Kebab)
                .ToHashSet();
            var overridden = NameOverride.Match(attributeText);
            var name = overridden.Success ? overridden.Groups["name"].Value : Kebab(signature.Groups["name"].Value);
            found[name] = parameters;
        }
        return found;
    }

    /// <summary>PublishMultiArchAsync → publish-multi-arch, noFloatingTags → no-floating-tags.</summary>
    public static string Kebab(string name)
    {
        name = name.TrimStart('@');
        if (name.Length > 5 && name.EndsWith("Async", StringComparison.Ordinal))
            name = name[..^5];
        return Regex.Replace(name, "(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-").Replace('_', '-').ToLowerInvariant();
    }

    private static string? ParameterName(string parameter)
    {
        var text = parameter.Trim();
        while (text.StartsWith('['))
            text = text[(MatchingClose(text, 0) + 1)..].TrimStart();
        var equals = SplitTopLevel(text, '=');
        text = equals.Count > 0 ? equals[0].Trim() : text;
        if (text.Length == 0 || text.Contains("CancellationToken", StringComparison.Ordinal))
            return null;
        var name = Regex.Match(text, @"@?\w+$");
        return name.Success ? name.Value : null;
    }

    private static int SkipAttributesAndComments(string s, int i)
    {
        while (true)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i]))
                i++;
            if (i < s.Length && s[i] == '[')
                i = MatchingClose(s, i) + 1;
            else if (i + 1 < s.Length && s[i] == '/' && s[i + 1] == '/')
                i = s.IndexOf('\n', i) is var n and >= 0 ? n + 1 : s.Length;
            else if (i + 1 < s.Length && s[i] == '/' && s[i + 1] == '*')
                i = s.IndexOf("*/", i, StringComparison.Ordinal) is var n and >= 0 ? n + 2 : s.Length;
            else
                return i;
        }
    }

    /// <summary>Index of the bracket closing the one at <paramref name="open"/>, skipping strings and nested brackets.</summary>
    private static int MatchingClose(string s, int open)
    {
        var depth = 0;
        for (var i = open; i < s.Length; i++)
        {
            var c = s[i];
            if (c is '"' or '\'')
            {
                i = EndOfLiteral(s, i);
                continue;
            }
            if (c is '(' or '[' or '{')
                depth++;
            else if (c is ')' or ']' or '}' && --depth == 0)
                return i;
        }
        throw new FormatException($"unbalanced bracket at {open}");
    }

    private static int EndOfLiteral(string s, int start)
    {
        var quote = s[start];
        var verbatim = start > 0 && s[start - 1] == '@';
        for (var i = start + 1; i < s.Length; i++)
        {
            if (!verbatim && s[i] == '\\')
                i++;
            else if (s[i] == quote)
                return i;
        }
        return s.Length - 1;
    }

    private static List<string> SplitTopLevel(string s, char separator)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c is '"' or '\'')
                i = EndOfLiteral(s, i);
            else if (c is '(' or '[' or '{' or '<')
                depth++;
            else if (c is ')' or ']' or '}' or '>')
                depth--;
            else if (c == separator && depth == 0 && !(separator == '=' && i + 1 < s.Length && s[i + 1] is '>' or '='))
            {
                parts.Add(s[start..i]);
                start = i + 1;
            }
        }
        if (start < s.Length || parts.Count > 0)
            parts.Add(s[start..]);
        return parts.Where(p => p.Trim().Length > 0).ToList();
    }
}
