using ImageTooling.Catalog;
using ImageTooling.Harness;
using ImageTooling.Reporting;

namespace ImageTooling.Tests;

/// <summary>The end of the test command (imagetool-harness test-report): counts from TRX files, the timing table, the shared release.</summary>
public class TestReportTests
{
    /// <summary>A TRX file as the .NET test platform writes it (<c>--logger trx</c>), cut down to the parts the report reads.</summary>
    private static string Trx(params (string Name, string Outcome, string Duration, string Start, string? Message)[] tests) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun id="1" name="t" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
          <Results>
        {string.Concat(tests.Select(t => $"""
            <UnitTestResult testName="{t.Name}" duration="{t.Duration}" startTime="{t.Start}" outcome="{t.Outcome}">
              {(t.Message is null ? "" : $"<Output><ErrorInfo><Message>{t.Message}</Message><StackTrace>at X</StackTrace></ErrorInfo></Output>")}
            </UnitTestResult>
        """))}
          </Results>
        </TestRun>
        """;

    private static IReadOnlyList<TestResult> Read(string tier, string trx)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("imagetool-trx-").FullName, "results.trx");
        File.WriteAllText(file, trx);
        return TestResults.Read(tier, file);
    }

    [Fact]
    public void Counts_come_from_the_trx_files_and_a_failure_is_named_with_its_message()
    {
        var unit = Read("unit", Trx(
            ("ImageTooling.Tests.A.Passes", "Passed", "00:00:01.5000000", "2026-12-07T03:00:00+00:00", null),
            ("ImageTooling.Tests.A.Fails", "Failed", "00:00:00.2500000", "2026-12-07T03:00:01+00:00", "Assert.Equal() Failure\nExpected: 1\nActual:   2"),
            ("ImageTooling.Tests.A.Skipped", "NotExecuted", "00:00:00", "2026-12-07T03:00:02+00:00", null)));
        Assert.Equal([("ImageTooling.Tests.A.Passes", 1.5)], unit.Where(t => t.Passed).Select(t => (t.Name, t.Seconds)));

        var report = new TestReport([], new Dictionary<string, IReadOnlyList<TestResult>?> { ["unit"] = unit }, release: null);
        var text = report.Text();
        Assert.False(report.Succeeded);
        Assert.Contains("Failed tests:\n  [unit] A.Fails\n       Assert.Equal() Failure\n       Expected: 1\n       Actual:   2\n", text);
        Assert.EndsWith("1 passed, 1 failed, 1 skipped\n", text);
    }

    [Fact]
    public void A_tier_that_wrote_no_results_fails_the_command_and_says_so()
    {
        var passing = Read("unit", Trx(("ImageTooling.Tests.A.Passes", "Passed", "00:00:01", "2026-12-07T03:00:00+00:00", null)));
        var report = new TestReport([], new Dictionary<string, IReadOnlyList<TestResult>?> { ["unit"] = passing, ["end-to-end"] = null }, release: null);
        Assert.False(report.Succeeded);
        Assert.Contains("FAILED: the end-to-end tier ran no test", report.Text());
        Assert.True(new TestReport([], new Dictionary<string, IReadOnlyList<TestResult>?> { ["unit"] = passing }, release: null).Succeeded);
    }

    [Fact]
    public void The_timing_table_has_every_phase_each_end_to_end_test_in_the_order_they_ran_and_the_shared_release()
    {
        var phases = new[] { new Phase("checks", 1000, 1001), new Phase("provisioning: harness (in the background)", 1001, 1300), new Phase("end-to-end tests", 1300, 2800) };
        var endToEnd = Read("end-to-end", Trx(
            ("ImageTooling.EndToEnd.B.Second", "Passed", "00:00:30", "2026-12-07T03:30:00+00:00", null),
            ("ImageTooling.EndToEnd.A.First", "Passed", "00:20:00", "2026-12-07T03:10:00+00:00", null)));
        var release = new RunReport(1, "publish-multi-arch", "podman (local engine)", true,
            new RunTiming(1200, 2040, 2, 900, 1020) { CriticalPath = ["pandoc linux/arm64"] },
            [
                new NodeReport("pandoc", Platform.LinuxAmd64, null, "done", 100, 50, 0, [new SmokeResult("pandoc version", SmokeOutcome.Passed, 0, "pandoc 3", "pandoc")]),
                new NodeReport("pandoc", Platform.LinuxArm64, null, "done", 600, 300, 0,
                    [new SmokeResult("pandoc version", SmokeOutcome.Passed, 0, "pandoc 3", "pandoc"), new SmokeResult("helm x", SmokeOutcome.Skipped, null, "", "helm", OnStandIn: true)]),
            ], []);
        var text = new TestReport(phases, new Dictionary<string, IReadOnlyList<TestResult>?> { ["end-to-end"] = endToEnd }, release).Text();

        Assert.Matches(@"\n  provisioning: harness \(in the background\) +1 +300 +299\n", text);
        Assert.True(text.IndexOf("A.First", StringComparison.Ordinal) < text.IndexOf("B.Second", StringComparison.Ordinal), "the end-to-end tests are listed in the order they ran");
        Assert.Contains("Shared release: wall 1200 s; work 2040 s over 2 slots (busy 85 %); critical path 900 s: pandoc linux/arm64 (build 600 s, smoke tests 300 s of work)", text);
        Assert.Contains("linux/amd64: 1 on real binaries, 0 on stand-ins, 0 skipped; linux/arm64: 1 on real binaries, 0 on stand-ins, 1 skipped", text);
        Assert.Contains("Tests took 1800 s.", text);
    }
}
