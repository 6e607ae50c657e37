using ImageTooling.Reporting;
using ImageTooling.Cli;

namespace ImageTooling.Tests;

/// <summary>`imagetool promote`: floating tags become copies of the version tag's digest, only once every image checked out.</summary>
public class PromotionTests
{
    private static readonly RegistryCredentials Credentials = new("bot", new Secret("s3cr3t-value"));

    private static string Digest(char c) => "sha256:" + new string(c, 64);

    private static BuildPlan Plan(string tag) =>
        BuildPlan.Create(Repo.Catalog(), new PlanOptions { Release = ReleaseTag.Parse(tag), Images = ["pandoc", "buildx"] });

    private static FakeRegistry Published(string tag, params string[] more)
    {
        var registry = new FakeRegistry();
        registry.Tags[$"docker.io/best-tools/pandoc:{tag}"] = FakeRegistry.IndexOf("pandoc", Digest('a'));
        registry.Tags[$"docker.io/best-tools/buildx:{tag}"] = FakeRegistry.IndexOf("buildx", Digest('b'));
        foreach (var other in more)
            registry.Tags[other] = FakeRegistry.IndexOf("other", Digest('9'));
        return registry;
    }

    [Fact]
    public async Task Promote_copies_each_version_digest_to_the_tags_the_semver_rule_allows()
    {
        var registry = Published("v1.3.5", "docker.io/best-tools/pandoc:v1.4.0");
        var rows = await Promotion.PromoteAsync(Plan("v1.3.5"), registry, Credentials, null, _ => { }, CancellationToken.None);
        string[] expected = [$"docker.io/best-tools/buildx:v1.3 -> {Digest('b')}", $"docker.io/best-tools/buildx:v1 -> {Digest('b')}", $"docker.io/best-tools/buildx:latest -> {Digest('b')}", $"docker.io/best-tools/pandoc:v1.3 -> {Digest('a')}"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), registry.Moves.Order(StringComparer.Ordinal));
        Assert.Contains(rows, r => r.Repository.ToString() == "docker.io/best-tools/pandoc" && r is { Tag: "latest", Floating.Moves: false });
    }

    [Fact]
    public async Task A_digest_other_than_the_published_one_stops_promotion_before_any_tag_moves()
    {
        var registry = Published("v1.2.3");
        var expected = new Dictionary<string, string> { ["docker.io/best-tools/buildx"] = Digest('b'), ["docker.io/best-tools/pandoc"] = Digest('c') };
        var failure = await Assert.ThrowsAsync<PipelineFailure>(() => Promotion.PromoteAsync(Plan("v1.2.3"), registry, Credentials, expected, _ => { }, CancellationToken.None));
        Assert.Contains($"docker.io/best-tools/pandoc:v1.2.3 points to {Digest('a')}, but the publish step pushed {Digest('c')}", failure.Message);
        Assert.Empty(registry.Moves);
    }

    [Fact]
    public async Task The_digests_can_come_from_the_run_report()
    {
        var registry = Published("v1.2.3");
        var report = RunReport.Parse($$"""
            { "version": 1, "command": "publish-multi-arch", "engine": "e", "succeeded": true,
              "timing": { "wallSeconds": 1, "workSeconds": 1, "slots": 1, "criticalPathSeconds": 1, "lowerBoundSeconds": 1 },
              "nodes": [],
              "published": [
                { "image": "pandoc", "repository": "docker.io/best-tools/pandoc", "tag": "v1.2.3", "reference": "docker.io/best-tools/pandoc:v1.2.3",
                  "digest": "{{Digest('a')}}", "status": "pushed", "platforms": {}, "floatingTags": [] },
                { "image": "buildx", "repository": "docker.io/best-tools/buildx", "tag": "v1.2.3", "reference": "docker.io/best-tools/buildx:v1.2.3",
                  "digest": "{{Digest('b')}}", "status": "unchanged", "platforms": {}, "floatingTags": [] } ] }
            """, "report.json");
        await Promotion.PromoteAsync(Plan("v1.2.3"), registry, Credentials, report.VersionDigests("v1.2.3"), _ => { }, CancellationToken.None);
        Assert.Equal(6, registry.Moves.Count());
        Assert.Empty(report.VersionDigests("v1.2.4"));
    }

    [Fact]
    public async Task A_missing_version_tag_or_a_missing_report_row_is_refused()
    {
        var registry = Published("v1.2.3");
        registry.Tags.Remove("docker.io/best-tools/buildx:v1.2.3");
        var missing = await Assert.ThrowsAsync<PipelineFailure>(() => Promotion.PromoteAsync(Plan("v1.2.3"), registry, Credentials, null, _ => { }, CancellationToken.None));
        Assert.Contains("docker.io/best-tools/buildx:v1.2.3 does not exist", missing.Message);

        var partial = new Dictionary<string, string> { ["docker.io/best-tools/pandoc"] = Digest('a') };
        var unnamed = await Assert.ThrowsAsync<PipelineFailure>(() => Promotion.PromoteAsync(Plan("v1.2.3"), Published("v1.2.3"), Credentials, partial, _ => { }, CancellationToken.None));
        Assert.Contains("names no digest for docker.io/best-tools/buildx:v1.2.3", unnamed.Message);
        Assert.Empty(registry.Moves);
    }
}
