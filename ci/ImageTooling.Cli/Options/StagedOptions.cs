using System.CommandLine;
using ImageTooling.Reporting;

namespace ImageTooling.Cli;

/// <summary>--staged: the run reports of <c>stage</c>, one per platform runner, read by assemble and staged-targets.</summary>
internal static class StagedOptions
{
    public static readonly Option<string[]> Staged = new("--staged") { Description = "A run report of 'stage' (repeatable, one per platform runner): the staged digests to assemble", Arity = ArgumentArity.OneOrMore, Required = true };

    public static List<StagedImage> Read(ParseResult r) => (r.GetValue(Staged) ?? []).SelectMany(file => RunReport.Read(file).Staged).ToList();
}
