using System.Diagnostics;

namespace ImageTooling.Testing;

/// <summary>Runs a node script of a package under tests/, installing the package (npm ci) first when needed.</summary>
internal static class NodeTool
{
    public static (int Exit, string Output) Run(string package, params string[] args)
    {
        var folder = Path.Combine(Imagetool.RepositoryRoot, "tests", package);
        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
        {
            var install = Exec("npm", folder, "ci", "--no-audit", "--no-fund");
            if (install.Exit != 0) throw new InvalidOperationException($"npm ci in tests/{package} failed: {install.Output}");
        }
        return Exec("node", folder, args);
    }

    private static (int Exit, string Output) Exec(string program, string folder, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error);
    }
}
