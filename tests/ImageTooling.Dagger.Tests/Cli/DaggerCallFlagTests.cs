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
