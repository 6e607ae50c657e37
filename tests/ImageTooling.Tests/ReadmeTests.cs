using System.Text.RegularExpressions;
using ImageTooling.Testing;

namespace ImageTooling.Tests;

/// <summary>The README's layout section follows the tree: a new folder is named there or this fails.</summary>
public partial class ReadmeTests
{
    private static string Section(string heading)
    {
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "README.md"));
        var start = readme.IndexOf($"\n## {heading}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no '## {heading}' section");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? readme[start..] : readme[start..end];
    }

    /// <summary>Every folder at the top and directly under ci/ and tests/ that git tracks a file in.</summary>
    private static IEnumerable<string> TrackedFolders()
    {
        var files = TestProcess.Run("git", ["ls-files"]);
        Assert.True(files.ExitCode == 0, files.ToString());
        var paths = files.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var path in paths)
        {
            var parts = path.Split('/');
            if (parts.Length < 2) continue;
            yield return parts[0];
            if (parts.Length >= 3 && parts[0] is "ci" or "tests") yield return $"{parts[0]}/{parts[1]}";
        }
    }

    [Fact]
    public void The_layout_names_every_top_level_folder_and_every_folder_of_ci_and_tests()
    {
        var layout = Section("Repository layout");
        var missing = TrackedFolders().Distinct()
            .Where(folder => !Regex.IsMatch(layout, $@"(^|\s){Regex.Escape(folder)}/", RegexOptions.Multiline))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(missing.Count == 0, $"README.md's layout section does not name: {string.Join(", ", missing)}");
    }

    [Fact]
    public void The_layout_names_no_folder_that_is_gone()
    {
        var layout = Section("Repository layout");
        foreach (Match named in NamedPath().Matches(layout))
        {
            var path = named.Groups["path"].Value;
            var exists = Directory.Exists(Path.Combine(Repo.Root, path)) || File.Exists(Path.Combine(Repo.Root, path));
            Assert.True(exists, $"README.md's layout section names {path}, which is not in the repository");
        }
    }

    [Fact]
    public void How_to_change_things_covers_tools_versions_images_and_platforms()
    {
        var section = Section("How to change things");
        foreach (var change in new[] { "Bump a version", "Add a tool", "Add an image", "Add a platform" })
            Assert.Contains($"**{change}**", section);
        foreach (Match file in BacktickedFile().Matches(section))
        {
            var path = file.Groups["path"].Value;
            if (path.Contains("NAME", StringComparison.Ordinal)) continue; // a new image's folder
            Assert.True(File.Exists(Path.Combine(Repo.Root, path)), $"'How to change things' names {path}, which does not exist");
        }
    }

    /// <summary>A path at the start of a layout line: <c>ci/ImageTooling/</c>, <c>.ci/run</c>, <c>imagetool</c>.</summary>
    [GeneratedRegex(@"^(?<path>[.A-Za-z][\w.-]*(/[\w.-]+)*/?)\s{2,}", RegexOptions.Multiline)]
    private static partial Regex NamedPath();

    [GeneratedRegex(@"`(?<path>(images|ci|tests)/[\w./-]+\.\w+)`")]
    private static partial Regex BacktickedFile();
}
