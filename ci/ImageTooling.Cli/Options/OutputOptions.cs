using System.CommandLine;

namespace ImageTooling.Cli;

/// <summary>Output options more than one command takes, and the one summary of what was published.</summary>
internal static class OutputOptions
{
    public static readonly Option<bool> Json = new("--json") { Description = "Print the plan as JSON" };
    public static readonly Option<string?> Report = new("--report") { Description = "Append a Markdown summary of what was published to this file (e.g. $GITHUB_STEP_SUMMARY)" };

    /// <summary>The Markdown table of what was published, printed and, with --report, appended to that file.</summary>
    public static int Published(ParseResult r, IReadOnlyList<PublishedImage> published, TextWriter printed)
    {
        var summary = Reports.Published(published);
        printed.Write(summary);
        if (r.GetValue(Report) is { } file) File.AppendAllText(file, summary);
        return ExitCodes.Ok;
    }
}
