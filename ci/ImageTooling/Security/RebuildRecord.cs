namespace ImageTooling.Security;

/// <summary>A fix a security rebuild takes: a Debian package of an image users pull, and the version that fixes it.</summary>
public sealed record SecurityFix(string Package, string Installed, string Fixed)
{
    /// <summary>What makes two fixes the same: the package and the version that fixes it (the installed one may differ
    /// between images).</summary>
    public string Key => $"{Package} {Fixed}";

    public override string ToString() => $"{Package} {Installed} -> {Fixed}";
}

/// <summary>
/// What the annotation of a security rebuild's tag records: the release it rebuilds, the tags users pull that were
/// checked, and the fixes that were pending in them. The scheduled check reads it back to stop a rebuild that would fix
/// nothing; <c>imagetool release-notes</c> reads it to say that the release is a rebuild and which packages it updates.
/// </summary>
public sealed record RebuildRecord(ReleaseTag Replaces, IReadOnlyList<string> Checked, IReadOnlyList<SecurityFix> Fixes)
{
    private const string OfField = "Rebuild-Of: ";
    private const string CheckedField = "Checked: ";
    private const string FixField = "Fix: ";

    /// <summary>The annotation of <paramref name="tag"/>: a title, a sentence, then one field a line.</summary>
    public string Annotation(ReleaseTag tag)
    {
        var lines = new List<string>
        {
            $"Security rebuild of {Replaces}",
            "",
            $"{tag} is {Replaces} rebuilt from the same commit, to take the Debian fixes published since",
            $"(found by the scheduled security check in {string.Join(", ", Checked)}).",
            "",
            OfField + Replaces,
            CheckedField + string.Join(" ", Checked),
        };
        lines.AddRange(Fixes.Select(f => FixField + f));
        return string.Join("\n", lines) + "\n";
    }

    /// <summary>The record in a tag's annotation, or null when the annotation is not a security rebuild's.</summary>
    public static RebuildRecord? Parse(string? annotation)
    {
        if (annotation is null) return null;
        var lines = annotation.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var of = lines.FirstOrDefault(l => l.StartsWith(OfField, StringComparison.Ordinal));
        if (of is null || ReleaseTag.TryParse(of[OfField.Length..].Trim()) is not { } replaces) return null;
        var checkedTags = lines.FirstOrDefault(l => l.StartsWith(CheckedField, StringComparison.Ordinal))?[CheckedField.Length..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var fixes = lines.Where(l => l.StartsWith(FixField, StringComparison.Ordinal))
            .Select(l => l[FixField.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 4 && f[2] == "->")
            .Select(f => new SecurityFix(f[0], f[1], f[3]))
            .ToList();
        return new RebuildRecord(replaces, checkedTags, fixes);
    }
}
