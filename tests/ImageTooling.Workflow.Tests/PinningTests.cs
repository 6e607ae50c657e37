using System.Text.RegularExpressions;

namespace ImageTooling.Workflow.Tests;

public partial class PinningTests
{
    [GeneratedRegex(@"^\s*(?:-\s+)?uses:\s*(?<ref>\S+)(?:\s+#\s*(?<comment>.*))?$")]
    private static partial Regex UsesLine();

    [GeneratedRegex(@"^(?<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+)@(?<sha>[0-9a-f]{40})$")]
    private static partial Regex PinnedAction();

    [GeneratedRegex(@"^v\d+(\.\d+){0,2}\b")]
    private static partial Regex VersionComment();

    private static IEnumerable<(string File, int Line, string Ref, string Comment)> UsesLines()
    {
        var directory = Repo.PathOf(".github");
        foreach (var file in Directory.EnumerateFiles(directory, "*.y*ml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var m = UsesLine().Match(lines[i]);
                if (m.Success)
                    yield return (Path.GetRelativePath(Repo.Root, file), i + 1, m.Groups["ref"].Value, m.Groups["comment"].Value.Trim());
            }
        }
    }

    [Fact]
    public void Every_action_is_pinned_to_a_full_commit_sha_with_its_tag_in_a_comment()
    {
        var uses = UsesLines().ToList();
        Assert.NotEmpty(uses);
        foreach (var (file, line, reference, comment) in uses)
        {
            if (reference.StartsWith("./", StringComparison.Ordinal))
                continue;
            Assert.True(PinnedAction().IsMatch(reference), $"{file}:{line}: '{reference}' is not pinned to a 40-hex commit SHA");
            Assert.True(VersionComment().IsMatch(comment), $"{file}:{line}: '{reference}' needs its tag in a trailing comment (# vX.Y.Z), got '{comment}'");
        }
    }

    [Fact]
    public void Every_uses_of_the_parsed_workflows_was_checked()
    {
        var parsed = WorkflowFile.All().SelectMany(w => w.Steps).Count(s => s.Uses is not null);
        var lines = UsesLines().Count(u => u.File.StartsWith(Path.Combine(".github", "workflows"), StringComparison.Ordinal));
        Assert.Equal(parsed, lines);
    }

    [Fact]
    public void An_action_is_pinned_to_the_same_commit_everywhere()
    {
        var byAction = UsesLines()
            .Select(u => PinnedAction().Match(u.Ref))
            .Where(m => m.Success)
            .GroupBy(m => m.Groups["action"].Value)
            .Where(g => g.Select(m => m.Groups["sha"].Value).Distinct().Count() > 1)
            .Select(g => g.Key)
            .ToList();
        Assert.True(byAction.Count == 0, $"pinned to different commits: {string.Join(", ", byAction)}");
    }
}
