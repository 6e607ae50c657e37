using System.Text.Json;
using System.Text.RegularExpressions;
using ImageTooling.Testing;

namespace ImageTooling.Workflow.Tests;

/// <summary>The shell scripts the workflows run, run here for real (bash, jq; docker replaced by a stub).</summary>
public partial class ScriptTests
{
    private static readonly string Scripts = Repo.PathOf(Path.Combine(".github", "scripts"));

    // The core's rules for a branch tag (ci/ImageTooling/BuildPlan.cs): BRANCH-SHORTSHA, never release-like.
    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{0,100}-[0-9a-f]{7,40}$")]
    private static partial Regex CoreBranchTag();

    [GeneratedRegex(@"^v[0-9]+(\.[0-9]+)*(-|$)")]
    private static partial Regex ReleaseLike();

    [Theory]
    [InlineData("main", "main-1a2b3c4")]
    [InlineData("Feature/Login_Fix!!", "feature-login-fix-1a2b3c4")]
    [InlineData("refs/heads/renovate/kubectl-1.x", "renovate-kubectl-1.x-1a2b3c4")]
    [InlineData("v1.2-hotfix", "br-v1.2-hotfix-1a2b3c4")]
    [InlineData("latest", "latest-1a2b3c4")]
    [InlineData("___", "branch-1a2b3c4")]
    [InlineData("-.-dots.and-dashes.-", "dots.and-dashes-1a2b3c4")]
    [InlineData("a-very-long-branch-name-that-goes-on-and-on-and-on-forever", "a-very-long-branch-name-that-goes-on-and-1a2b3c4")]
    public void Branch_tags_are_a_short_slug_and_the_short_sha(string branch, string expected)
    {
        var result = TestProcess.Run("bash", [Path.Combine(Scripts, "branch-tag.sh"), branch, "1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D7E8F9A0B"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var tag = result.Output.Trim();
        Assert.Equal(expected, tag);
        Assert.Matches(CoreBranchTag(), tag);
        Assert.DoesNotMatch(ReleaseLike(), tag);
        Assert.NotEqual("latest", tag);
        Assert.True(tag.Length - 8 <= 40, $"slug of '{tag}' is longer than 40");
    }

    [Fact]
    public void A_branch_tag_needs_a_commit_sha()
    {
        var result = TestProcess.Run("bash", [Path.Combine(Scripts, "branch-tag.sh"), "main", "not-a-sha"]);
        Assert.NotEqual(0, result.ExitCode);
    }

    private const string Plan = """
        {
          "release": "v1.2.3",
          "publish": [
            { "image": "tooling-k8s", "repository": "docker.io/best-tools/tooling-k8s", "tags": ["v1.2.3", "v1.2", "v1", "latest"] },
            { "image": "pandoc", "repository": "docker.io/best-tools/pandoc", "tags": ["v1.2.3", "v1.2", "v1", "latest"] }
          ]
        }
        """;

    private static ProcessResult ReleaseTargets(string plan, string tag, string stubDigestScript)
    {
        var dir = Directory.CreateTempSubdirectory("release-targets-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "plan.json"), plan);
            var docker = Path.Combine(dir, "docker");
            File.WriteAllText(docker, $"#!/usr/bin/env bash\n# stub: docker buildx imagetools inspect REF --format ...\nref=\"$4\"\n{stubDigestScript}\n");
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(docker, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return TestProcess.Run("bash", [Path.Combine(Scripts, "release-targets.sh"), Path.Combine(dir, "plan.json"), tag],
                environment: new Dictionary<string, string> { ["PATH"] = $"{dir}:{Environment.GetEnvironmentVariable("PATH")}" });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Release_targets_carry_each_version_tag_digest_and_the_planned_floating_tags()
    {
        var result = ReleaseTargets(Plan, "v1.2.3",
            """printf '"sha256:%s"\n' "$(printf '%s' "$ref" | sha256sum | cut -c1-64)" """);
        Assert.True(result.ExitCode == 0, result.ToString());

        using var json = JsonDocument.Parse(result.Output.Trim().Split('\n')[^1]);
        var targets = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(["tooling-k8s", "pandoc"], targets.Select(t => t.GetProperty("image").GetString()));
        Assert.Equal("docker.io/best-tools/pandoc", targets[1].GetProperty("repository").GetString());
        Assert.Equal("v1.2 v1 latest", targets[0].GetProperty("floating").GetString());
        var digests = targets.Select(t => t.GetProperty("digest").GetString()!).ToList();
        Assert.All(digests, d => Assert.Matches("^sha256:[0-9a-f]{64}$", d));
        Assert.NotEqual(digests[0], digests[1]); // each image's own tag was read
    }

    [Fact]
    public void A_pre_release_moves_no_floating_tag()
    {
        var plan = Plan.Replace("\"v1.2.3\", \"v1.2\", \"v1\", \"latest\"", "\"v1.2.3-rc.1\"", StringComparison.Ordinal);
        var result = ReleaseTargets(plan, "v1.2.3-rc.1", """echo '"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"'""");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output.Trim().Split('\n')[^1]);
        Assert.All(json.RootElement.EnumerateArray(), t => Assert.Equal("", t.GetProperty("floating").GetString()));
    }

    [Fact]
    public void Release_targets_fail_when_a_digest_cannot_be_read()
    {
        var result = ReleaseTargets(Plan, "v1.2.3", """echo '"not-a-digest"'""");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("no readable digest", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Release_targets_fail_when_the_plan_does_not_publish_the_tag()
    {
        var result = ReleaseTargets(Plan, "v9.9.9", """echo '"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"'""");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("does not publish", result.Output, StringComparison.Ordinal);
    }
}
