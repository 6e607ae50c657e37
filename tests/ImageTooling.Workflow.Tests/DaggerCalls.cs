using System.Text.RegularExpressions;

namespace ImageTooling.Workflow.Tests;

internal sealed record DaggerArgument(string Name, string? Value);

/// <summary>A command line of a workflow step with its options: a dagger call or an imagetool command.</summary>
internal interface ICommandCall
{
    Step Step { get; }
    string Text { get; }
    bool Has(string option);
    string? Value(string option);
}

/// <summary>One `dagger call FUNCTION --arg value ...` of a workflow step.</summary>
internal sealed record DaggerCall(Step Step, string Function, IReadOnlyList<DaggerArgument> Arguments, string Text) : ICommandCall
{
    public const string DaggerAction = "dagger/dagger-for-github";

    public bool Has(string argument) => Arguments.Any(a => a.Name == argument);

    public string? Value(string argument) => Arguments.FirstOrDefault(a => a.Name == argument)?.Value;

    /// <summary>Every dagger call of a workflow: the action's `call:` (or `verb: call` + `args:`) and `dagger call` lines of `run:`.</summary>
    public static IReadOnlyList<DaggerCall> In(WorkflowFile workflow)
    {
        var calls = new List<DaggerCall>();
        foreach (var step in workflow.Steps)
        {
            if (step.Action == DaggerAction)
            {
                var with = step.With;
                var verb = with.GetValueOrDefault("verb", "call");
                var text = with.GetValueOrDefault("call", "");
                if (text.Length == 0 && verb == "call")
                    text = with.GetValueOrDefault("args", "");
                if (text.Trim().Length > 0)
                    calls.Add(Parse(step, text));
            }
            if (step.Run is { } run)
                calls.AddRange(InScript(run).Select(text => Parse(step, text)));
        }
        return calls;
    }

    /// <summary>What follows `dagger [flags] call` on each line of a shell script (continuations joined).</summary>
    public static IEnumerable<string> InScript(string script)
    {
        foreach (var line in script.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n'))
        {
            var m = RunLine.Match(line);
            if (m.Success)
                yield return Regex.Replace(m.Groups["rest"].Value, @"\s+", " ").Trim();
        }
    }

    private static readonly Regex RunLine = new(@"(?:^|[\s;&|(])dagger\s+(?:[^;&|]*?\s)?call\s+(?<rest>[^;&|]+)", RegexOptions.Compiled);
    private static readonly Regex Expression = new(@"\$\{\{.*?\}\}", RegexOptions.Compiled);

    public static DaggerCall Parse(Step step, string text)
    {
        var tokens = Expression.Replace(text, m => Regex.Replace(m.Value, @"\s+", "")).Replace("\"", "", StringComparison.Ordinal).Replace("'", "", StringComparison.Ordinal)
            .Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)
            .Select(t => FromEnvironment(step, t)).ToArray();
        var i = 0;
        // Module constructor arguments (--x value) may come before the function.
        while (i < tokens.Length && tokens[i].StartsWith("--", StringComparison.Ordinal))
            i += tokens[i].Contains('=', StringComparison.Ordinal) || i + 1 >= tokens.Length || tokens[i + 1].StartsWith("--", StringComparison.Ordinal) ? 1 : 2;
        var function = i < tokens.Length ? tokens[i++] : "";
        var arguments = new List<DaggerArgument>();
        for (; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (!token.StartsWith("--", StringComparison.Ordinal))
                continue;
            var eq = token.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
                arguments.Add(new DaggerArgument(token[2..eq], token[(eq + 1)..]));
            else if (i + 1 < tokens.Length && !tokens[i + 1].StartsWith("--", StringComparison.Ordinal))
                arguments.Add(new DaggerArgument(token[2..], tokens[++i]));
            else
                arguments.Add(new DaggerArgument(token[2..], null));
        }
        return new DaggerCall(step, function, arguments, text);
    }

    /// <summary>A <c>$NAME</c> argument of a run line is the value the step's env gives NAME (GITHUB_SHA is the
    /// runner's <c>github.sha</c>), so a call reads the same whether written with expressions or through env.</summary>
    private static string FromEnvironment(Step step, string token)
    {
        var m = ShellVariable.Match(token);
        if (!m.Success) return token;
        var name = m.Groups["name"].Value;
        if (step.Env.TryGetValue(name, out var value))
            return Expression.Replace(value, e => Regex.Replace(e.Value, @"\s+", ""));
        return name == "GITHUB_SHA" ? "${{github.sha}}" : token;
    }

    private static readonly Regex ShellVariable = new(@"^\$\{?(?<name>[A-Za-z_][A-Za-z0-9_]*)\}?$", RegexOptions.Compiled);

    public override string ToString() => $"{Step}: dagger call {Text}";
}
