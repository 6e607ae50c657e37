namespace ImageTooling.Security;

/// <summary>A release tag of the repository: the commit it names, and the record its annotation holds when it is a
/// security rebuild (null otherwise).</summary>
public sealed record GitRelease(ReleaseTag Tag, string Commit, RebuildRecord? Record);

public enum RebuildVerdict
{
    /// <summary>Nothing is pending in the tags users pull of this release.</summary>
    Clean,

    /// <summary>A new patch release of the same commit is due: <see cref="RebuildDecision.Tag"/> on <see cref="RebuildDecision.Commit"/>.</summary>
    Rebuild,

    /// <summary>Something is pending, but the release users pull was already rebuilt for every one of these fixes:
    /// another rebuild would fix nothing, so none is made (a person looks).</summary>
    Stopped,

    /// <summary>The repository has no stable release tag for what users pull (are the tags fetched?).</summary>
    NoRelease,
}

/// <summary>What the scheduled check does about one release users pull (under one or more of the checked tags).</summary>
/// <param name="Targets">The checked tags this release stands for (latest, vX.Y).</param>
/// <param name="Replaces">The release those tags follow: the newest stable release tag of their line.</param>
/// <param name="Tag">The rebuild's tag (<see cref="RebuildVerdict.Rebuild"/>), or the earlier rebuild that stops this one
/// (<see cref="RebuildVerdict.Stopped"/>).</param>
/// <param name="Commit">The commit the rebuild's tag names: always <paramref name="Replaces"/>'s own.</param>
public sealed record RebuildDecision(
    RebuildVerdict Verdict, IReadOnlyList<string> Targets, ReleaseTag? Replaces, ReleaseTag? Tag, string? Commit, IReadOnlyList<SecurityFix> Fixes,
    string Message)
{
    /// <summary>What the rebuild's tag annotation records (only for <see cref="RebuildVerdict.Rebuild"/>).</summary>
    public RebuildRecord? Record => Verdict == RebuildVerdict.Rebuild ? new RebuildRecord(Replaces!, Targets, Fixes) : null;
}

/// <summary>
/// The rules of a security rebuild: a new patch release of the very commit of the release users pull, so that the
/// release workflow builds it again (taking Debian's fixes at build time) without releasing anything else from the
/// branch. Which release a checked tag stands for, which tag the rebuild gets, and when a rebuild would fix nothing.
/// </summary>
public static class SecurityRebuild
{
    /// <summary>
    /// The release a checked tag follows, by the same semver rule the floating tags move by: <c>latest</c> the highest
    /// stable release tag, <c>vX</c> the highest stable of major X, <c>vX.Y</c> the highest stable of X.Y; null when the
    /// repository has none. (While a newer release is still on its way, its tag is already the one replaced.)
    /// </summary>
    public static ReleaseTag? Replaced(string target, IEnumerable<ReleaseTag> tags)
    {
        var stable = tags.Where(t => t.IsStable).ToList();
        if (target == "latest") return stable.Max();
        var parts = target.StartsWith('v') ? target[1..].Split('.') : [];
        var numbers = parts.Select(p => int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : -1).ToList();
        if (numbers.Count is < 1 or > 2 || numbers.Any(n => n < 0))
            throw new InputError($"'{target}' is not a tag the security check follows: latest, vX or vX.Y");
        return stable.Where(t => t.Major == numbers[0] && (numbers.Count == 1 || t.Minor == numbers[1])).Max();
    }

    /// <summary>The next free patch of <paramref name="replaced"/>'s line: one above the highest patch any tag of X.Y has,
    /// pre-releases included (after v1.4.1-rc.1 the next free is v1.4.2, since v1.4.1 is someone else's release).</summary>
    public static ReleaseTag NextFreePatch(ReleaseTag replaced, IEnumerable<ReleaseTag> tags)
    {
        var highest = tags.Where(t => t.Major == replaced.Major && t.Minor == replaced.Minor).Select(t => t.Patch).DefaultIfEmpty(replaced.Patch).Max();
        return new ReleaseTag(replaced.Major, replaced.Minor, Math.Max(highest, replaced.Patch) + 1, null);
    }

    /// <summary>
    /// The fixes pending in each checked tag: what security-status found waiting in Debian's archive, and the scanner's
    /// fixable HIGH/CRITICAL findings in Debian packages. A finding in a library inside a downloaded tool is left out:
    /// a rebuild downloads the same pinned tool, so only a new version of the tool (Renovate) fixes it.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<SecurityFix>> Pending(IEnumerable<SecurityReport> status, IEnumerable<ScanFinding> findings)
    {
        var pending = new Dictionary<string, List<SecurityFix>>();
        List<SecurityFix> Of(string tag) => pending.TryGetValue(tag, out var list) ? list : pending[tag] = [];
        foreach (var report in status)
            Of(report.Tag).AddRange(report.Images.SelectMany(i => i.Pending).Select(p => new SecurityFix(p.Package, p.Installed, p.Fixed)));
        foreach (var finding in findings)
        {
            var fixes = Of(finding.Tag);
            if (finding.OsPackage) fixes.Add(new SecurityFix(finding.Package, finding.Installed, finding.Fixed));
        }
        return pending.ToDictionary(p => p.Key, p => (IReadOnlyList<SecurityFix>)Distinct(p.Value));
    }

    /// <summary>
    /// One decision per release users pull. Checked tags that follow the same release are decided together (one
    /// rebuild for <c>latest</c> and <c>v1.4</c> when both are v1.4.0). A rebuild is due when a fix is pending, unless
    /// the release is itself a security rebuild whose record lists every pending fix: then the rebuild already tried
    /// exactly these, and another one of the same commit would fix nothing, so the check stops and says so. A new fix
    /// beyond the record makes a rebuild due again, so at most one rebuild per line follows each new fix.
    /// </summary>
    public static IReadOnlyList<RebuildDecision> Decide(IReadOnlyDictionary<string, IReadOnlyList<SecurityFix>> pendingByTarget, IReadOnlyList<GitRelease> releases)
    {
        var tags = releases.Select(r => r.Tag).ToList();
        var decisions = new List<RebuildDecision>();
        foreach (var group in pendingByTarget.GroupBy(p => Replaced(p.Key, tags)))
        {
            var targets = group.Select(p => p.Key).ToList();
            var fixes = Distinct(group.SelectMany(p => p.Value));
            var named = string.Join(", ", targets);
            if (group.Key is not { } replaced)
            {
                decisions.Add(new RebuildDecision(RebuildVerdict.NoRelease, targets, null, null, null, fixes,
                    $"{named}: this repository has no stable release tag of that line (are the tags fetched?); nothing decided"));
                continue;
            }
            var release = releases.First(r => r.Tag == replaced);
            if (fixes.Count == 0)
            {
                decisions.Add(new RebuildDecision(RebuildVerdict.Clean, targets, replaced, null, release.Commit, fixes, $"{named} ({replaced}): nothing pending"));
                continue;
            }
            var names = string.Join(", ", fixes.Select(f => f.Package).Distinct());
            if (release.Record is { } record && fixes.All(f => record.Fixes.Any(r => r.Key == f.Key)))
            {
                decisions.Add(new RebuildDecision(RebuildVerdict.Stopped, targets, record.Replaces, replaced, release.Commit, fixes,
                    $"{named} ({replaced}): {replaced} is already a security rebuild of {record.Replaces} for exactly these fixes, and they are still pending "
                    + $"({names}): another rebuild of the same commit would fix nothing, so none is made. Look at {replaced}'s release run (did it "
                    + "publish? did the security-check smoke test or the scan stop it?); a fix Debian has announced but not yet put in its archive "
                    + "needs no action: the check stays stopped until a new fix appears, or a maintainer tags the next patch by hand."));
                continue;
            }
            var next = NextFreePatch(replaced, tags);
            decisions.Add(new RebuildDecision(RebuildVerdict.Rebuild, targets, replaced, next, release.Commit, fixes,
                $"{named} ({replaced}): {fixes.Count} fixes pending ({names}): security rebuild {next} of {replaced}'s commit {release.Commit[..Math.Min(12, release.Commit.Length)]}"));
        }
        return decisions;
    }

    private static List<SecurityFix> Distinct(IEnumerable<SecurityFix> fixes) =>
        fixes.GroupBy(f => f.Key).Select(g => g.First()).OrderBy(f => f.Package, StringComparer.Ordinal).ThenBy(f => f.Fixed, StringComparer.Ordinal).ToList();
}
