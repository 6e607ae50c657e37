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
        Assert.Contains(rows, r => r is { Repository: "docker.io/best-tools/pandoc", Tag: "latest", Floating.Moves: false });
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
    public async Task The_digests_can_come_from_the_publish_report()
    {
        var registry = Published("v1.2.3");
        var report = Reports.Published([
            new PublishedImage("docker.io/best-tools/pandoc", "v1.2.3", Digest('a'), false),
            new PublishedImage("docker.io/best-tools/buildx", "v1.2.3", Digest('b'), true),
        ]);
        var expected = Reports.ReadPublished(report).ToDictionary(p => p.Key.Repository, p => p.Value);
        await Promotion.PromoteAsync(Plan("v1.2.3"), registry, Credentials, expected, _ => { }, CancellationToken.None);
        Assert.Equal(6, registry.Moves.Count());
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

    [Fact]
    public void The_publish_report_round_trips_and_ignores_rows_without_a_digest()
    {
        var rows = new[]
        {
            new PublishedImage("127.0.0.1:5000/x/pandoc", "v1.2.3", Digest('a'), false),
            new PublishedImage("127.0.0.1:5000/x/pandoc", "latest", "", true) { Floating = new FloatingTagDecision("latest", false, "v2.0.0 is newer in the repository") },
        };
        var read = Reports.ReadPublished("Some heading\n\n" + Reports.Published(rows));
        Assert.Equal(Digest('a'), Assert.Single(read).Value);
        Assert.Equal(("127.0.0.1:5000/x/pandoc", "v1.2.3"), read.Keys.Single());
    }
}
