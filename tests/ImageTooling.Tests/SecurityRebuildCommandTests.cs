using ImageTooling.Catalog;
using ImageTooling.Security;
using ImageTooling.Testing;

namespace ImageTooling.Tests;

/// <summary>
/// <c>imagetool security-rebuild</c> on a real git repository: v1.4.0 released, then unreleased work on the branch. The
/// rebuild's tag names the release's commit (never the branch's head), is the next free patch, records what it was made
/// for, and the same findings a week later stop instead of tagging again.
/// </summary>
public sealed class SecurityRebuildCommandTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("imagetool-rebuild-").FullName;
    private readonly string released;
    private readonly string head;

    public SecurityRebuildCommandTests()
    {
        Directory.Move(Repo.CopyFixture(), Path.Combine(root, "images"));
        Git("init", "-q", "-b", "main");
        Git("config", "user.name", "Test");
        Git("config", "user.email", "test@example.org");
        Git("add", ".");
        Git("commit", "-qm", "what v1.4.0 releases");
        Git("tag", "-a", "v1.4.0", "-m", "Release v1.4.0");
        released = Git("rev-parse", "HEAD");
        File.WriteAllText(Path.Combine(root, "images", "unreleased.txt"), "work on main since v1.4.0\n");
        Git("add", ".");
        Git("commit", "-qm", "unreleased work");
        head = Git("rev-parse", "HEAD");
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Git(params string[] args)
    {
        var result = TestProcess.Run("git", ["-C", root, .. args]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput.Trim();
    }

    /// <summary>A folder holding security-status's report of <paramref name="tag"/>: one image, both platforms, these fixes pending.</summary>
    private string Status(string tag, params PendingFix[] pending)
    {
        var folder = Folder("status-");
        ImageSecurity Image(Platform platform) => new("base", platform, $"registry.example/fixture/base:{tag}", "sha256:1", pending, [], [], null);
        File.WriteAllText(Path.Combine(folder, $"security-status-{tag}.json"),
            new SecurityReport(SecurityReport.CurrentVersion, tag, DateTimeOffset.UnixEpoch, [Image(Platform.LinuxAmd64), Image(Platform.LinuxArm64)]).ToJson());
        return folder;
    }

    private static readonly PendingFix OpenSsl = new("libssl3t64", "3.5.1-1", "3.5.1-1+deb13u1");

    private (Imagetool.Result Result, string Outputs) Rebuild(string status, params string[] more)
    {
        var outputs = Path.Combine(root, $"github-output-{Guid.NewGuid():N}");
        var result = InProcessImagetool.Run(["security-rebuild", "--status", status, "--repository", root, "--github-output", outputs, .. more]);
        Assert.True(result.Exit == 0, result.All);
        return (result, File.ReadAllText(outputs));
    }

    private string Tags() => Git("tag", "--list", "v*");

    /// <summary>A new folder beside the checkout's files (removed with it).</summary>
    private string Folder(string prefix) => Directory.CreateDirectory(Path.Combine(root, prefix + Guid.NewGuid().ToString("N"))).FullName;

    [Fact]
    public void A_due_rebuild_tags_the_released_commit_as_the_next_patch_and_records_its_fixes()
    {
        var summary = Path.Combine(root, "summary.md");
        var (result, outputs) = Rebuild(Status("latest", OpenSsl), "--create-tags", "--summary", summary);

        Assert.Contains("rebuild: latest (v1.4.0): 1 fixes pending (libssl3t64): security rebuild v1.4.1", result.Out);
        Assert.Equal("tags=v1.4.1\nattention=false\n", outputs);
        Assert.Equal("tag", Git("cat-file", "-t", "v1.4.1")); // annotated
        Assert.Equal(released, Git("rev-parse", "v1.4.1^{commit}"));
        Assert.NotEqual(head, Git("rev-parse", "v1.4.1^{commit}")); // nothing unreleased from main
        var record = RebuildRecord.Parse(Git("for-each-ref", "refs/tags/v1.4.1", "--format=%(contents)"));
        Assert.NotNull(record);
        Assert.Equal(ReleaseTag.Parse("v1.4.0"), record.Replaces);
        Assert.Equal([new SecurityFix(OpenSsl.Package, OpenSsl.Installed, OpenSsl.Fixed)], record.Fixes);
        Assert.Contains("| latest | base | linux/arm64 | libssl3t64 | 3.5.1-1 | 3.5.1-1+deb13u1 |", File.ReadAllText(summary));

        // The release notes of the rebuild say so and list the package.
        var notes = InProcessImagetool.Run("release-notes", "--tag", "v1.4.1", "--images-dir", Path.Combine(root, "images"));
        Assert.True(notes.Exit == 0, notes.All);
        Assert.StartsWith("## Security rebuild of v1.4.0\n", notes.Out);
        Assert.Contains($"(`{released[..12]}`)", notes.Out);
        Assert.Contains("| libssl3t64 | 3.5.1-1 | 3.5.1-1+deb13u1 |", notes.Out);
        Assert.Contains("Changed since v1.4.0", notes.Out);
        Assert.DoesNotContain("Security rebuild", InProcessImagetool.Run("release-notes", "--tag", "v1.4.0", "--images-dir", Path.Combine(root, "images")).Out);
    }

    [Fact]
    public void The_same_fixes_still_pending_after_a_rebuild_stop_instead_of_tagging_again()
    {
        Rebuild(Status("latest", OpenSsl), "--create-tags");
        Assert.Equal("v1.4.0\nv1.4.1", Tags());

        // A week later latest still lacks the fix (the rebuild's release failed, or the archive lacks the fix yet).
        var (again, outputs) = Rebuild(Status("latest", OpenSsl), "--create-tags");
        Assert.Contains("stopped: latest (v1.4.1): v1.4.1 is already a security rebuild of v1.4.0 for exactly these fixes", again.Out);
        Assert.Equal("tags=\nattention=true\n", outputs);
        Assert.Equal("v1.4.0\nv1.4.1", Tags());

        // A new fix beyond the record: one more rebuild, of the same commit.
        var scans = Folder("scans-");
        File.WriteAllText(Path.Combine(scans, "trivy-base-latest.json"), """
            { "ArtifactName": "registry.example/fixture/base:latest", "Results": [ { "Target": "debian 13", "Class": "os-pkgs", "Vulnerabilities": [
              { "VulnerabilityID": "CVE-2026-0003", "PkgName": "zlib1g", "InstalledVersion": "1:1.3.dfsg-3", "FixedVersion": "1:1.3.dfsg-3+deb13u1", "Severity": "CRITICAL" } ] } ] }
            """);
        var (third, _) = Rebuild(Status("latest", OpenSsl), "--create-tags", "--scans", scans);
        Assert.Contains("security rebuild v1.4.2", third.Out);
        Assert.Equal(released, Git("rev-parse", "v1.4.2^{commit}"));
    }

    [Fact]
    public void Without_create_tags_it_only_decides_and_an_unchecked_image_asks_for_a_person()
    {
        var (result, outputs) = Rebuild(Status("latest", OpenSsl));
        Assert.Contains("rebuild: latest (v1.4.0)", result.Out);
        Assert.Equal("tags=\nattention=false\n", outputs);
        Assert.Equal("v1.4.0", Tags());

        var folder = Folder("status-");
        File.WriteAllText(Path.Combine(folder, "latest.json"), new SecurityReport(SecurityReport.CurrentVersion, "latest", DateTimeOffset.UnixEpoch,
            [new ImageSecurity("base", Platform.LinuxArm64, "registry.example/fixture/base:latest", null, [], [], [], "registry.example/fixture/base:latest is not in the registry")]).ToJson());
        var (failed, attention) = Rebuild(folder);
        Assert.Contains("clean: latest (v1.4.0): nothing pending", failed.Out);
        Assert.Contains("not checked: registry.example/fixture/base:latest linux/arm64: registry.example/fixture/base:latest is not in the registry", failed.Out);
        Assert.Equal("tags=\nattention=true\n", attention);
    }

    [Fact]
    public void Missing_reports_or_a_folder_that_is_no_checkout_are_bad_input()
    {
        var empty = Folder("empty-");
        var none = InProcessImagetool.Run("security-rebuild", "--status", empty, "--repository", root);
        Assert.Equal(2, none.Exit);
        Assert.Contains("no security-status report", none.Err);

        Assert.Equal(2, InProcessImagetool.Run("security-rebuild", "--status", Path.Combine(root, "nowhere"), "--repository", root).Exit);

        var outside = Directory.CreateTempSubdirectory("imagetool-not-git-").FullName;
        try
        {
            var notGit = InProcessImagetool.Run("security-rebuild", "--status", Status("latest"), "--repository", outside);
            Assert.Equal(2, notGit.Exit);
            Assert.Contains("is not a git checkout", notGit.Err);
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }
}
