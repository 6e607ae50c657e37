using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace ImageTooling.Local;

/// <summary>
/// The one way the product starts a program: an argument list (never a shell line), standard output and
/// error captured together. Secrets go through files or stdin, not argv. A program that cannot start is an
/// exit code (<see cref="NotFound"/>, as a shell reports it), so that a caller that probes (is podman here? is this
/// a git checkout?) reads an answer instead of catching; a program that does not finish in time is a
/// <see cref="PipelineFailure"/>.
/// </summary>
public static class ChildProcess
{
    /// <summary>The exit code of a program that could not be started (missing, not executable).</summary>
    public const int NotFound = 127;

    public static async Task<CommandResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        CancellationToken cancellation,
        string? logFile = null,
        string? stdin = null,
        TimeSpan? timeout = null,
        string? workingDirectory = null,
        TextWriter? echo = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        using var log = logFile is null ? null : new StreamWriter(logFile, append: true) { AutoFlush = true };
        void Collect(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            lock (output)
            {
                output.AppendLine(e.Data);
                log?.WriteLine(e.Data);
                echo?.WriteLine(e.Data);
            }
        }
        process.OutputDataReceived += Collect;
        process.ErrorDataReceived += Collect;
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return new CommandResult(NotFound, $"cannot run '{program}': {e.Message}\n");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        if (timeout is { } t) limit.CancelAfter(t);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellation.IsCancellationRequested) throw;
            throw new PipelineFailure($"'{program} {start.ArgumentList.FirstOrDefault()}' did not finish within "
                + $"{timeout}");
        }
        process.WaitForExit();
        lock (output) return new CommandResult(process.ExitCode, output.ToString());
    }

    /// <summary>
    /// Like <see cref="RunAsync"/>, but a non-zero exit code is a <see cref="PipelineFailure"/> quoting the last lines.
    /// </summary>
    internal static async Task<string> RunCheckedAsync(
        string program, IReadOnlyList<string> arguments, CancellationToken cancellation)
    {
        var result = await RunAsync(program, arguments, cancellation);
        if (result.ExitCode != 0)
            throw new PipelineFailure($"{program} {string.Join(' ', arguments.Take(2))} failed (exit "
                + $"{result.ExitCode}): {Tail(result.Output, 3)}");
        return result.Output;
    }

    /// <summary>The last lines of a program's output, indented, for an error message.</summary>
    internal static string Tail(string output, int lines) =>
        string.Join("\n", output.TrimEnd().Split('\n').TakeLast(lines).Select(l => "    " + l.TrimEnd()));
}
