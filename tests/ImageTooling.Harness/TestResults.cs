using System.Globalization;
using System.Xml.Linq;

namespace ImageTooling.Harness;

/// <summary>One test as <c>dotnet test --logger trx</c> recorded it.</summary>
/// <param name="Outcome">TRX's outcome: <c>Passed</c>, <c>Failed</c>, <c>NotExecuted</c> (skipped), ...</param>
/// <param name="Message">The first lines of a failure's message; empty otherwise.</param>
public sealed record TestResult(string Tier, string Name, string Outcome, double Seconds, DateTimeOffset? Start, string Message)
{
    public bool Passed => Outcome == "Passed";
    public bool Skipped => Outcome == "NotExecuted";
    public bool Failed => !Passed && !Skipped;
}

/// <summary>
/// Reads the TRX files the test command's tiers write (Visual Studio's test result format, which the .NET test
/// platform writes with <c>--logger trx</c>): the structured results, so that nothing reads <c>dotnet test</c>'s console text.
/// </summary>
public static class TestResults
{
    private static readonly XNamespace Trx = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    /// <summary>Every test of one TRX file, under the tier named <paramref name="tier"/>.</summary>
    public static IReadOnlyList<TestResult> Read(string tier, string trxFile)
    {
        var document = XDocument.Load(trxFile);
        return document.Descendants(Trx + "UnitTestResult").Select(result => new TestResult(
            tier,
            (string?)result.Attribute("testName") ?? "(unnamed)",
            (string?)result.Attribute("outcome") ?? "Unknown",
            TimeSpan.TryParse((string?)result.Attribute("duration"), CultureInfo.InvariantCulture, out var duration) ? duration.TotalSeconds : 0,
            DateTimeOffset.TryParse((string?)result.Attribute("startTime"), CultureInfo.InvariantCulture, DateTimeStyles.None, out var start) ? start : null,
            FirstLines(result.Element(Trx + "Output")?.Element(Trx + "ErrorInfo")?.Element(Trx + "Message")?.Value ?? "", 4))).ToList();
    }

    private static string FirstLines(string text, int count) =>
        string.Join("\n", text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).Take(count));
}
