using Xunit.Abstractions;

namespace ImageTooling.Dagger.Tests.Cli;

/// <summary>`dagger call FUNCTION --arg ...` must be able to add every argument of the module as a flag.</summary>
public sealed class DaggerCallFlagTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("branchTag", "branch-tag")]
    [InlineData("noFloatingTags", "no-floating-tags")]
    [InlineData("sourceDateEpoch", "source-date-epoch")]
    [InlineData("json", "json")]
    public void Flag_names_are_the_kebab_case_of_the_argument(string argument, string flag) =>
        Assert.Equal(flag, DaggerCallFlags.FlagName(argument));

    /// <param name="words">The words after `dagger call assemble`, as the shell passes them, separated here by '|'.</param>
    [Theory]
    [InlineData("--staged|stage-amd64.json|--staged|stage-arm64.json")]
    [InlineData("--staged|stage-amd64.json,stage-arm64.json")]
    [InlineData("--staged=stage-amd64.json|--staged=stage-arm64.json")]
    [InlineData("--staged|stage-amd64.json, 'stage-arm64.json'")]
    public void A_list_of_files_is_given_by_repeating_the_flag_or_by_commas(string words) =>
        Assert.Equal(["stage-amd64.json", "stage-arm64.json"], DaggerCallFlags.ListValues(["--tag", "v1.2.3", .. words.Split('|'), "--username", "bot"], "staged"));

    /// <summary>The assembly step docs/dagger.md shows gives assemble the reports its two stage calls write, one file each.</summary>
    [Fact]
    public void The_documented_dagger_call_assemble_gives_both_stage_reports()
    {
        var stages = DocumentedCalls("stage");
        var assembles = DocumentedCalls("assemble");
        output.WriteLine(string.Join("\n", stages.Concat(assembles).Select(c => string.Join(' ', c))));
        Assert.Equal(2, stages.Count);
        // `--output FILE` is a plain string flag of `dagger call` (cmd/dagger/functions.go:247): the last one counts.
        var written = stages.Select(c => c[c.ToList().LastIndexOf("--output") + 1]).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["stage-amd64.json", "stage-arm64.json"], written);
        Assert.NotEmpty(assembles);
        Assert.All(assembles, c => Assert.Equal(written, DaggerCallFlags.ListValues(c, "staged")));
    }

    /// <summary>Each `dagger call FUNCTION ...` command of docs/dagger.md's shell examples, continuation lines joined, split into words.</summary>
    private static List<string[]> DocumentedCalls(string function)
    {
        var lines = File.ReadAllLines(Path.Combine(Repo.Root, "docs", "dagger.md"));
        var calls = new List<string[]>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].TrimStart().StartsWith($"dagger call {function} ", StringComparison.Ordinal)) continue;
            var call = lines[i].Trim();
            while (call.EndsWith('\\') && i + 1 < lines.Length) call = call[..^1] + " " + lines[++i].Trim();
            calls.Add(call.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        return calls;
    }

    [Fact]
    public void No_argument_of_the_module_is_named_like_a_flag_of_dagger_call()
    {
        var functions = ModuleDeclaration.Read();
        Assert.NotEmpty(functions);
        var clashes = functions
            .SelectMany(f => f.Arguments.Select(a => (Function: f.Name, Flag: DaggerCallFlags.FlagName(a.Name))))
            .Where(a => DaggerCallFlags.All.Contains(a.Flag, StringComparer.Ordinal))
            .Select(a => $"{a.Function} --{a.Flag}: flag already exists: {a.Flag}")
            .ToList();
        foreach (var clash in clashes) output.WriteLine(clash);
        Assert.True(clashes.Count == 0, "dagger call would fail on:\n" + string.Join("\n", clashes));
    }
}
