using ImageTooling.Catalog;
using ImageTooling.Security;

namespace ImageTooling.Tests;

/// <summary>The rules of a security rebuild: the release a checked tag follows, the next free patch, and when a rebuild
/// is due, stopped (it would fix nothing) or not needed.</summary>
public class SecurityRebuildTests
{
    private const string Released = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string Backport = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private const string OldMajor = "cccccccccccccccccccccccccccccccccccccccc";

    private static readonly SecurityFix OpenSsl = new("libssl3t64", "3.5.1-1", "3.5.1-1+deb13u1");
    private static readonly SecurityFix Zlib = new("zlib1g", "1:1.3.dfsg-3", "1:1.3.dfsg-3+deb13u1");

    private static ReleaseTag Tag(string text) => ReleaseTag.Parse(text);

    private static GitRelease Release(string tag, string commit, RebuildRecord? record = null) => new(Tag(tag), commit, record);

    /// <summary>v1.4.0 is what latest and v1.4 follow; v1.3.5 a backport; v0.9.3 the older major; a pre-release of 1.4.1 exists.</summary>
    private static readonly IReadOnlyList<GitRelease> Releases =
    [
        Release("v0.9.3", OldMajor), Release("v1.3.5", Backport), Release("v1.4.0", Released), Release("v1.4.1-rc.1", "dddddddddddddddddddddddddddddddddddddddd"),
    ];

    private static Dictionary<string, IReadOnlyList<SecurityFix>> Pending(params (string Tag, SecurityFix[] Fixes)[] tags) =>
        tags.ToDictionary(t => t.Tag, t => (IReadOnlyList<SecurityFix>)t.Fixes);

    [Theory]
    [InlineData("latest", "v1.4.0")]
    [InlineData("v1.4", "v1.4.0")]
    [InlineData("v1", "v1.4.0")]
    [InlineData("v1.3", "v1.3.5")]
    [InlineData("v0.9", "v0.9.3")]
    [InlineData("v2.0", null)]
    public void A_checked_tag_follows_the_highest_stable_release_of_its_line(string target, string? expected) =>
        Assert.Equal(expected, SecurityRebuild.Replaced(target, Releases.Select(r => r.Tag))?.ToString());

    [Fact]
    public void Only_latest_and_floating_version_tags_are_followed() =>
        Assert.Throws<InputError>(() => SecurityRebuild.Replaced("feature-x-1a2b3c4", Releases.Select(r => r.Tag)));

    [Theory]
    [InlineData("v1.4.0", "v1.4.2")] // v1.4.1-rc.1 belongs to someone's v1.4.1
    [InlineData("v1.3.5", "v1.3.6")] // a backport line, below the newest release
    [InlineData("v0.9.3", "v0.9.4")]
    public void The_rebuild_takes_the_next_free_patch_of_the_line(string replaced, string expected) =>
        Assert.Equal(expected, SecurityRebuild.NextFreePatch(Tag(replaced), Releases.Select(r => r.Tag)).ToString());

    [Fact]
    public void Pending_fixes_make_one_rebuild_of_the_released_commit_for_every_tag_that_follows_it()
    {
        var decisions = SecurityRebuild.Decide(Pending(("latest", [OpenSsl]), ("v1.4", [OpenSsl, Zlib])), Releases);

        var rebuild = Assert.Single(decisions);
        Assert.Equal(RebuildVerdict.Rebuild, rebuild.Verdict);
        Assert.Equal(["latest", "v1.4"], rebuild.Targets);
        Assert.Equal(Tag("v1.4.0"), rebuild.Replaces);
        Assert.Equal(Tag("v1.4.2"), rebuild.Tag);
        Assert.Equal(Released, rebuild.Commit); // the release's own commit, whatever the branch holds since
        Assert.Equal([OpenSsl, Zlib], rebuild.Fixes);
        Assert.Equal(new RebuildRecord(Tag("v1.4.0"), ["latest", "v1.4"], [OpenSsl, Zlib]), rebuild.Record, new RecordComparer());
    }

    [Fact]
    public void Each_line_is_rebuilt_from_its_own_release_and_a_clean_one_is_left_alone()
    {
        var decisions = SecurityRebuild.Decide(Pending(("latest", [OpenSsl]), ("v1.4", [OpenSsl]), ("v0.9", [Zlib]), ("v1.3", [])), Releases);

        Assert.Equal(3, decisions.Count);
        Assert.Equal((RebuildVerdict.Rebuild, "v0.9.4", OldMajor), (decisions[1].Verdict, decisions[1].Tag?.ToString(), decisions[1].Commit));
        Assert.Equal((RebuildVerdict.Clean, (ReleaseTag?)null, Backport), (decisions[2].Verdict, decisions[2].Tag, decisions[2].Commit));
        Assert.Null(decisions[2].Record);
    }

    [Fact]
    public void A_rebuild_for_fixes_the_last_rebuild_already_tried_is_stopped_with_a_message()
    {
        // v1.4.2 rebuilt v1.4.0 for OpenSSL and zlib; they are still pending (its release failed, or Debian's archive
        // does not hold the fix yet): the same commit built again would fix nothing.
        var rebuilt = Releases.Append(Release("v1.4.2", Released, new RebuildRecord(Tag("v1.4.0"), ["latest"], [OpenSsl, Zlib]))).ToList();
        var decision = Assert.Single(SecurityRebuild.Decide(Pending(("latest", [OpenSsl])), rebuilt));

        Assert.Equal(RebuildVerdict.Stopped, decision.Verdict);
        Assert.Equal(Tag("v1.4.2"), decision.Tag);
        Assert.Null(decision.Record); // nothing is tagged
        Assert.Contains("would fix nothing", decision.Message);
        Assert.Contains("v1.4.2's release run", decision.Message);
    }

    [Fact]
    public void A_new_fix_beyond_the_last_rebuild_s_record_makes_a_rebuild_due_again()
    {
        var rebuilt = Releases.Append(Release("v1.4.2", Released, new RebuildRecord(Tag("v1.4.0"), ["latest"], [OpenSsl]))).ToList();
        var newer = OpenSsl with { Fixed = "3.5.1-1+deb13u2" }; // a second advisory for the same package is a new fix
        var decision = Assert.Single(SecurityRebuild.Decide(Pending(("latest", [OpenSsl, newer])), rebuilt));

        Assert.Equal(RebuildVerdict.Rebuild, decision.Verdict);
        Assert.Equal((Tag("v1.4.2"), Tag("v1.4.3"), Released), (decision.Replaces, decision.Tag, decision.Commit));
    }

    [Fact]
    public void A_tag_without_a_release_in_the_repository_is_not_decided()
    {
        var decision = Assert.Single(SecurityRebuild.Decide(Pending(("v2.0", [OpenSsl])), Releases));
        Assert.Equal(RebuildVerdict.NoRelease, decision.Verdict);
        Assert.Null(decision.Record);
    }

    [Fact]
    public void Pending_fixes_come_from_the_archive_check_and_the_scanner_s_debian_findings_only()
    {
        var status = new SecurityReport(SecurityReport.CurrentVersion, "latest", DateTimeOffset.UnixEpoch,
        [
            new ImageSecurity("tooling-k8s", Platform.LinuxAmd64, "r/tooling-k8s:latest", "sha256:a", [new PendingFix(OpenSsl.Package, OpenSsl.Installed, OpenSsl.Fixed)], [], [], null),
            new ImageSecurity("pandoc", Platform.LinuxArm64, "r/pandoc:latest", "sha256:b", [new PendingFix(OpenSsl.Package, OpenSsl.Installed, OpenSsl.Fixed)], [], [], null),
        ]);
        ScanFinding Finding(string tag, string package, bool os) => new($"r/pandoc:{tag}", tag, "linux/amd64", "CVE-1", "HIGH", package, "1", "2", os, "t");

        var pending = SecurityRebuild.Pending([status], [Finding("latest", "zlib1g", true), Finding("latest", "stdlib", false), Finding("v1.4", "stdlib", false)]);

        Assert.Equal(["libssl3t64", "zlib1g"], pending["latest"].Select(f => f.Package)); // the same fix in two images once; no Go library
        Assert.Empty(pending["v1.4"]); // a tool's library needs a new tool version, not a rebuild
    }

    [Fact]
    public void The_record_survives_the_tag_annotation_and_other_annotations_are_no_record()
    {
        var record = new RebuildRecord(Tag("v1.4.0"), ["latest", "v1.4"], [OpenSsl, Zlib]);
        var annotation = record.Annotation(Tag("v1.4.1"));

        Assert.StartsWith("Security rebuild of v1.4.0\n", annotation);
        Assert.Equal(record, RebuildRecord.Parse(annotation), new RecordComparer());
        Assert.Null(RebuildRecord.Parse("Release v1.4.0"));
        Assert.Null(RebuildRecord.Parse(null));
    }

    /// <summary>Records hold lists: equal when their values are.</summary>
    private sealed class RecordComparer : IEqualityComparer<RebuildRecord?>
    {
        public bool Equals(RebuildRecord? x, RebuildRecord? y) =>
            x is not null && y is not null && x.Replaces == y.Replaces && x.Checked.SequenceEqual(y.Checked) && x.Fixes.SequenceEqual(y.Fixes);

        public int GetHashCode(RebuildRecord? obj) => obj?.Replaces.GetHashCode() ?? 0;
    }
}
