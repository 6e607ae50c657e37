using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace ImageTooling.Testing;

/// <summary>What a program did: its exit code, its output and errors together, and each stream on its own.</summary>
internal sealed record ProcessResult(int ExitCode, string Output)
{
    public string StandardOutput { get; init; } = "";
    public string StandardError { get; init; } = "";
    public TimeSpan Took { get; init; }

    public override string ToString() => $"exit code {ExitCode}\n{Output}";
}

/// <summary>
/// The tests' one way to run a program: arguments (no shell), standard output and error captured.
/// A program that cannot start or does not finish in time throws, so no test mistakes that for an exit code.
/// </summary>
internal static class TestProcess
{
    /// <param name="environment">Variables to set.</param>
    /// <param name="unset">Variables to remove from the environment the program inherits.</param>
    /// <param name="echo">Receives every output line as it comes (long builds show their progress).</param>
    /// <param name="interruptWhen">
    /// Sends the program SIGTERM (as a CI cancellation or <c>docker stop</c> does) at the first output line it accepts.
    /// Not SIGINT: a shell starts background jobs with SIGINT ignored, and the test command may run as one.
    /// </param>
    public static ProcessResult Run(string file, IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null,
        IEnumerable<string>? unset = null, Action<string>? echo = null, Func<string, bool>? interruptWhen = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory ?? TestRepository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var name in unset ?? [])
            start.Environment.Remove(name);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;

        using var process = new Process { StartInfo = start };
        var interrupted = 0;
        var output = new StringBuilder();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        void Collect(StringBuilder stream, string? line)
        {
            if (line is null) return;
            lock (output)
            {
                output.AppendLine(line);
                stream.AppendLine(line);
            }
            echo?.Invoke(line);
            if (interruptWhen?.Invoke(line) == true && Interlocked.Exchange(ref interrupted, 1) == 0)
                Run("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        var clock = Stopwatch.StartNew();
        process.OutputDataReceived += (_, e) => Collect(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Collect(stderr, e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"these tests need {file} on PATH: {e.Message}", e);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var limit = timeout ?? TimeSpan.FromMinutes(5);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            lock (output)
                throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {limit}\n{output}");
        }
        process.WaitForExit();
        lock (output)
        {
            return new ProcessResult(process.ExitCode, output.ToString())
            {
                StandardOutput = stdout.ToString(),
                StandardError = stderr.ToString(),
                Took = clock.Elapsed,
            };
        }
    }
}
