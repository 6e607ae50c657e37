namespace ImageTooling.Workflow.Tests;

/// <summary>The repository these tests check, found by walking up to ImageTooling.sln.</summary>
internal static class Repo
{
    public static string Root => ImageTooling.Testing.TestRepository.Root;

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));
}
