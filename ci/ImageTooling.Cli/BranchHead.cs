namespace ImageTooling.Cli;

/// <summary>A remote branch that contains the tagged commit, and the commit it points at (its head).</summary>
internal sealed record BranchHead(string Name, string Head)
{
    /// <summary>
    /// The lines <c>git for-each-ref --contains SHA --format='%(objectname) %(refname:lstrip=3)' refs/remotes/origin</c>
    /// prints: the head commit, a space, the branch name. origin/HEAD (a name, not a branch) and blank lines are left out.
    /// </summary>
    public static IReadOnlyList<BranchHead> ParseLines(IEnumerable<string> lines)
    {
        var heads = new List<BranchHead>();
        foreach (var line in lines.Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || line[(space + 1)..].Trim().Length == 0)
                throw new InputError($"not a line of git for-each-ref --format='%(objectname) %(refname:lstrip=3)': '{line}'");
            var name = line[(space + 1)..].Trim();
            if (name != "HEAD")
                heads.Add(new BranchHead(name, line[..space]));
        }
        return heads.DistinctBy(h => h.Name).OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
    }
}
