using System.Diagnostics;
using System.Text;

namespace ImageTooling.Local;

/// <summary>Runs a program with an argument list (never a shell line), capturing its output; secrets go through files or stdin, not argv.</summary>
internal static class ChildProcess
{
    public static async Task<CommandResult> RunAsync(
        string program, IEnumerable<string> arguments, CancellationToken cancellation, string? logFile = null, string? stdin = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
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
            }
        }
        process.OutputDataReceived += Collect;
        process.ErrorDataReceived += Collect;
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InputError($"cannot run '{program}': {e.Message}");
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
            throw new PipelineFailure($"'{program} {start.ArgumentList.FirstOrDefault()}' did not finish within {timeout}");
        }
        process.WaitForExit();
        lock (output) return new CommandResult(process.ExitCode, output.ToString());
    }
}
