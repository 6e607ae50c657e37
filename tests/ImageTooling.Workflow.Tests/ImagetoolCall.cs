using System.Text.RegularExpressions;

namespace ImageTooling.Workflow.Tests;

/// <summary>One <c>./imagetool COMMAND --option value ...</c> of a workflow step's script, read as <see cref="DaggerCall"/>
/// reads a dagger call (a <c>$NAME</c> argument is the value the step's env gives NAME).</summary>
internal sealed partial record ImagetoolCall(Step Step, string Command, IReadOnlyList<DaggerArgument> Arguments, string Text) : ICommandCall
{
    public bool Has(string option) => Arguments.Any(a => a.Name == option);

    public string? Value(string option) => Arguments.FirstOrDefault(a => a.Name == option)?.Value;

    /// <summary>Every value of a repeatable option, in order.</summary>
    public IReadOnlyList<string?> Values(string option) => Arguments.Where(a => a.Name == option).Select(a => a.Value).ToList();

    public static IReadOnlyList<ImagetoolCall> In(WorkflowFile workflow) => workflow.Steps.SelectMany(In).ToList();

    public static IReadOnlyList<ImagetoolCall> In(Job job) => job.Steps.SelectMany(In).ToList();

    public static IEnumerable<ImagetoolCall> In(Step step)
    {
        foreach (var line in (step.Run ?? "").Replace("\\\n", " ", StringComparison.Ordinal).Split('\n'))
        {
            foreach (Match m in RunLine().Matches(line))
            {
                var text = Regex.Replace(m.Groups["rest"].Value, @"\s+", " ").Trim();
                var parsed = DaggerCall.Parse(step, text);
                yield return new ImagetoolCall(step, parsed.Function, parsed.Arguments, text);
            }
        }
    }

    [GeneratedRegex(@"(?:^|[\s;&|(])\./imagetool\s+(?<rest>[^;&|>)]+)")]
    private static partial Regex RunLine();

    public override string ToString() => $"{Step}: ./imagetool {Text}";
}
