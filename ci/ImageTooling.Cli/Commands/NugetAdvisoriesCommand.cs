using System.CommandLine;

namespace ImageTooling.Cli;

/// <summary><c>imagetool nuget-advisories</c>: the Markdown report of <see cref="NugetAdvisories"/>. Exit code 0 with or
/// without advisories (they are reported, not fatal); 2 when the file is not such a report.</summary>
internal static class NugetAdvisoriesCommand
{
    private static readonly Option<string> ReportFile = new("--report")
    {
        Description = "The output of `dotnet list package --vulnerable --include-transitive --format json`",
        Required = true,
    };

    public static Command Create(CommandContext c)
    {
        var command = new Command("nuget-advisories", "Report NuGet's advisories for the solution's packages as Markdown (never fatal)") { ReportFile };
        command.SetAction(r => c.Run(() =>
        {
            var file = r.GetValue(ReportFile)!;
            if (!File.Exists(file)) throw new InputError($"--report: {file} does not exist");
            var (advisories, problems) = NugetAdvisories.Parse(File.ReadAllText(file), file);
            c.Output.Write(NugetAdvisories.Markdown(advisories, problems));
            if (advisories.Count > 0) c.Error.WriteLine($"note: {advisories.Count} packages with a known vulnerability (reported, not fatal)");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
