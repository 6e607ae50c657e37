using ImageTooling.Local;

namespace ImageTooling.Tests;

/// <summary>The one process runner of the product (ci/ImageTooling.Local/ChildProcess.cs), on real programs.</summary>
public class ChildProcessTests
{
    [Fact]
    public async Task Output_and_errors_are_captured_together_with_the_exit_code()
    {
        var result = await ChildProcess.RunAsync("sh", ["-c", "echo out; echo err >&2; exit 3"], CancellationToken.None);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("out\n", result.Output);
        Assert.Contains("err\n", result.Output);
    }

    [Fact]
    public async Task A_program_that_cannot_start_is_exit_code_127_naming_it()
    {
        var result = await ChildProcess.RunAsync("imagetool-no-such-program", ["--version"], CancellationToken.None);
        Assert.Equal(ChildProcess.NotFound, result.ExitCode);
        Assert.StartsWith("cannot run 'imagetool-no-such-program': ", result.Output);
    }

    [Fact]
    public async Task A_program_that_does_not_finish_in_time_is_stopped_and_a_pipeline_failure()
    {
        var failure = await Assert.ThrowsAsync<PipelineFailure>(() =>
            ChildProcess.RunAsync("sleep", ["30"], CancellationToken.None, timeout: TimeSpan.FromMilliseconds(200)));
        Assert.Contains("'sleep 30' did not finish within", failure.Message);
    }

    [Fact]
    public async Task A_checked_run_fails_on_a_non_zero_exit_quoting_the_last_lines()
    {
        var failure = await Assert.ThrowsAsync<PipelineFailure>(() =>
            ChildProcess.RunCheckedAsync("sh", ["-c", "echo first; echo the reason; exit 4"], CancellationToken.None));
        Assert.Contains("sh -c echo first; echo the reason; exit 4 failed (exit 4)", failure.Message);
        Assert.Contains("    the reason", failure.Message);
    }

    [Fact]
    public async Task Stdin_and_the_working_directory_are_passed()
    {
        var folder = Directory.CreateTempSubdirectory("imagetool-child-").FullName;
        var result = await ChildProcess.RunAsync("sh", ["-c", "pwd; cat"], CancellationToken.None, stdin: "from stdin\n", workingDirectory: folder);
        Assert.Equal($"{folder}\nfrom stdin\n", result.Output);
    }
}
