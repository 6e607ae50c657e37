using System.Diagnostics;
using System.Text;

namespace ImageTooling.Testing;

/// <summary>Runs the real imagetool command line as a child process, as users and CI do.</summary>
internal static class Imagetool
{
    public sealed record Result(int Exit, string Out, string Err, TimeSpan Took)
    {
        public string All => Out + Err;
    }

    /// <param name="echo">Receives every output line as it comes (long builds show their progress).</param>
    public static Result Run(IDictionary<string, string?>? env, Action<string>? echo, params string[] args) =>
        Run(env, echo, interruptWhen: null, args);

    /// <param name="interruptWhen">Sends the process SIGINT (as Ctrl+C does) at the first output line it accepts.</param>
    public static Result Run(IDictionary<string, string?>? env, Action<string>? echo, Func<string, bool>? interruptWhen, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestRepository.Root,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "imagetool.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment.Remove("DAGGER_SESSION_PORT");
        foreach (var (k, v) in env ?? new Dictionary<string, string?>()) start.Environment[k] = v;
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var interrupted = 0;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stdout) stdout.AppendLine(e.Data);
            echo?.Invoke(e.Data);
            if (interruptWhen?.Invoke(e.Data) == true && Interlocked.Exchange(ref interrupted, 1) == 0)
                TestProcess.Run("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is null) return; lock (stderr) stderr.AppendLine(e.Data); echo?.Invoke(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.ToString(), stderr.ToString(), clock.Elapsed);
    }
}
