using ImageTooling.Local;
using ImageTooling.Security;

namespace ImageTooling.Cli;

/// <summary>The release tags of a git checkout (their commits and rebuild records), and the one tag a security rebuild adds.</summary>
internal static class GitReleases
{
    private const char Field = '\u001f';
    private const char Entry = '\u001e';

    /// <summary>Every <c>v*</c> tag that is a release tag, with the commit it names and, for an annotated tag, the rebuild
    /// record of its annotation.</summary>
    public static async Task<IReadOnlyList<GitRelease>> ReadAsync(string root, CancellationToken cancellation)
    {
        await CheckoutAsync(root, cancellation);
        // %(*objectname) is the commit an annotated tag names; a lightweight tag is the commit itself.
        var result = await ChildProcess.RunAsync("git",
            ["-C", root, "for-each-ref", "refs/tags/v*", "--format=%(refname:strip=2)%1f%(objecttype)%1f%(objectname)%1f%(*objectname)%1f%(contents)%1e"],
            cancellation, timeout: TimeSpan.FromSeconds(60));
        if (result.ExitCode != 0) throw new PipelineFailure($"git for-each-ref failed in {root}: {result.Output.Trim()}");
        var releases = new List<GitRelease>();
        foreach (var entry in result.Output.Split(Entry))
        {
            var fields = entry.TrimStart('\n').Split(Field);
            if (fields.Length < 5 || ReleaseTag.TryParse(fields[0]) is not { } tag) continue;
            var annotated = fields[1] == "tag";
            releases.Add(new GitRelease(tag, annotated ? fields[3] : fields[2], annotated ? RebuildRecord.Parse(fields[4]) : null));
        }
        return releases;
    }

    /// <summary>Like <see cref="ReadAsync"/>, but none outside a git checkout.</summary>
    public static async Task<IReadOnlyList<GitRelease>> TryReadAsync(string root, CancellationToken cancellation) =>
        await IsCheckoutAsync(root, cancellation) ? await ReadAsync(root, cancellation) : [];

    /// <summary>Creates the annotated tag of a security rebuild on <paramref name="commit"/>, after checking once more that
    /// the commit is the replaced release's and that the tag is the next free patch of its line.</summary>
    public static async Task CreateAsync(string root, RebuildDecision rebuild, CancellationToken cancellation)
    {
        if (rebuild is not { Verdict: RebuildVerdict.Rebuild, Tag: { } tag, Replaces: { } replaces, Commit: { } commit, Record: { } record })
            throw new ArgumentException("only a rebuild decision makes a tag", nameof(rebuild));
        var releases = await ReadAsync(root, cancellation);
        var replaced = releases.SingleOrDefault(r => r.Tag == replaces);
        if (replaced is null || replaced.Commit != commit)
            throw new PipelineFailure($"{tag}: {commit} is not the commit of {replaces}; a security rebuild tags only the commit of the release it replaces");
        if (SecurityRebuild.NextFreePatch(replaces, releases.Select(r => r.Tag)) != tag)
            throw new PipelineFailure($"{tag} is not the next free patch of {replaces} (the tags changed since the decision): run the check again");
        var made = await ChildProcess.RunAsync("git", ["-C", root, "tag", "--annotate", "--cleanup=whitespace", "--file=-", tag.ToString(), commit],
            cancellation, stdin: record.Annotation(tag), timeout: TimeSpan.FromSeconds(60));
        if (made.ExitCode != 0) throw new PipelineFailure($"git tag {tag} failed: {made.Output.Trim()}");
    }

    private static async Task CheckoutAsync(string root, CancellationToken cancellation)
    {
        if (!await IsCheckoutAsync(root, cancellation))
            throw new InputError($"{root} is not a git checkout: the release tags are read from the repository's git tags");
    }

    private static async Task<bool> IsCheckoutAsync(string root, CancellationToken cancellation)
    {
        var inside = await ChildProcess.RunAsync("git", ["-C", root, "rev-parse", "--is-inside-work-tree"], cancellation, timeout: TimeSpan.FromSeconds(30));
        return inside.ExitCode == 0 && inside.Output.Trim() == "true";
    }
}
