using System.ComponentModel;
using System.Diagnostics;

namespace ImageTooling.Testing;

/// <summary>
/// Runs a node script of a package under tests/ (tests/dockerfiles, tests/workflows, tests/contract),
/// first installing the package's locked dependencies with <c>npm ci</c> when they are not there yet.
/// </summary>
internal static class NodeTool
{
    private static readonly object InstallLock = new();

    /// <param name="package">The folder under tests/; the script and its arguments run from there.</param>
    public static (int Exit, string Output) Run(string package, params string[] args)
    {
        var folder = Path.Combine(TestRepository.Root, "tests", package);
        lock (InstallLock)
        {
            // npm writes node_modules/.package-lock.json last, so an interrupted install is redone.
            if (!File.Exists(Path.Combine(folder, "node_modules", ".package-lock.json")))
            {
                var install = Exec("npm", folder, TimeSpan.FromMinutes(10), "ci", "--no-audit", "--no-fund");
                if (install.Exit != 0) throw new InvalidOperationException($"npm ci in tests/{package} failed: {install.Output}");
            }
        }
        return Exec("node", folder, TimeSpan.FromMinutes(5), args);
    }

    private static (int Exit, string Output) Exec(string program, string folder, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"these tests need Node.js and npm on PATH ({program}: {e.Message})", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {timeout.TotalMinutes} minutes");
            }
            return (process.ExitCode, output.Result + error.Result);
        }
    }
}
