namespace ImageTooling.Testing;

/// <summary>The repository under test, found by walking up from the test binaries to ImageTooling.sln.</summary>
internal static class TestRepository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ImageTooling.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no ImageTooling.sln above {AppContext.BaseDirectory}");
    }
}
