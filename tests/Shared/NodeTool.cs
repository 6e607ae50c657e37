namespace ImageTooling.Testing;

/// <summary>
/// Runs a node script of a package under tests/ (tests/dockerfiles, tests/workflows, tests/contract),
/// first installing the package's locked dependencies with <c>npm ci</c> when they are not there yet.
/// </summary>
internal static class NodeTool
{
    private static readonly object InstallLock = new();

    /// <param name="package">The folder under tests/; the script and its arguments run from there.</param>
    public static ProcessResult Run(string package, params string[] args) => RunWith(null, package, args);

    /// <param name="environment">Variables to set for the script (e.g. a PATH without some program).</param>
    public static ProcessResult RunWith(IReadOnlyDictionary<string, string>? environment, string package, params string[] args)
    {
        var folder = Path.Combine(TestRepository.Root, "tests", package);
        lock (InstallLock)
        {
            // npm writes node_modules/.package-lock.json last, so an interrupted install is redone.
            if (!File.Exists(Path.Combine(folder, "node_modules", ".package-lock.json")))
            {
                var install = TestProcess.Run("npm", ["ci", "--no-audit", "--no-fund"], folder, timeout: TimeSpan.FromMinutes(10));
                if (install.ExitCode != 0) throw new InvalidOperationException($"npm ci in tests/{package} failed: {install}");
            }
        }
        return TestProcess.Run("node", args, folder, environment);
    }
}
