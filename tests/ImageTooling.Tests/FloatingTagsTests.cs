namespace ImageTooling.Tests;

public class FloatingTagsTests
{
    private static Dictionary<string, FloatingTagDecision> Decide(string release, params string[] existing)
    {
        var tag = ReleaseTag.Parse(release);
        return FloatingTags.Decide(tag, existing, tag.FloatingTagNames).ToDictionary(d => d.Tag);
    }

    [Fact]
    public void The_first_release_moves_every_floating_tag()
    {
        var decisions = Decide("v1.0.0");
        Assert.All(decisions.Values, d => Assert.True(d.Moves, d.ToString()));
        Assert.Equal(["v1.0", "v1", "latest"], decisions.Keys);
    }

    [Fact]
    public void A_backport_moves_only_its_minor_line()
    {
        var decisions = Decide("v1.3.5", "v1.4.0", "v1.4", "v1", "latest", "v1.3.4", "v1.3");
        Assert.True(decisions["v1.3"].Moves);
        Assert.False(decisions["v1"].Moves);
        Assert.False(decisions["latest"].Moves);
        Assert.Equal("v1.4.0 is newer in v1", decisions["v1"].Reason);
        Assert.Equal("v1.4.0 is newer in the repository", decisions["latest"].Reason);
    }

    [Fact]
    public void A_patch_of_an_older_major_moves_its_major_but_not_latest()
    {
        var decisions = Decide("v1.9.1", "v1.9.0", "v2.0.0", "v2.1.3");
        Assert.True(decisions["v1.9"].Moves);
        Assert.True(decisions["v1"].Moves);
        Assert.False(decisions["latest"].Moves);
        Assert.Equal("v2.1.3 is newer in the repository", decisions["latest"].Reason); // the highest newer one is named
    }

    [Fact]
    public void A_patch_below_the_highest_of_its_minor_moves_nothing()
    {
        var decisions = Decide("v1.4.1", "v1.4.2");
        Assert.All(decisions.Values, d => Assert.False(d.Moves, d.ToString()));
    }

    [Fact]
    public void Re_publishing_the_highest_release_moves_its_tags_again()
    {
        Assert.All(Decide("v1.4.0", "v1.4.0", "v1.3.9").Values, d => Assert.True(d.Moves, d.ToString()));
    }

    [Fact]
    public void Pre_releases_branch_tags_and_floating_tags_do_not_count_as_newer()
    {
        var decisions = Decide("v1.4.0", "v1.5.0-rc.1", "v2.0.0-beta", "latest", "v9", "v9.9", "main-1a2b3c4", "v01.9.9", "sha256-abc.sig");
        Assert.All(decisions.Values, d => Assert.True(d.Moves, d.ToString()));
    }

    [Fact]
    public void A_pre_release_never_moves_a_floating_tag()
    {
        var decisions = Decide("v9.0.0-rc.1");
        Assert.All(decisions.Values, d => Assert.False(d.Moves));
        Assert.All(decisions.Values, d => Assert.Contains("pre-release", d.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void The_rule_holds_for_every_release_against_every_history()
    {
        // Every (release, history) pair over a small version space: a floating tag moves exactly when no
        // stable release in its scope is higher; and after applying the moves, latest names the highest release.
        var versions = (from major in new[] { 1, 2 } from minor in new[] { 0, 1 } from patch in new[] { 0, 1 } select new ReleaseTag(major, minor, patch, null)).ToList();
        var random = new Random(12);
        for (var round = 0; round < 300; round++)
        {
            var history = versions.Where(_ => random.Next(3) == 0).ToList();
            var release = versions[random.Next(versions.Count)];
            var decisions = FloatingTags.Decide(release, history.Select(v => v.ToString()), release.FloatingTagNames).ToDictionary(d => d.Tag);
            bool HighestIn(Func<ReleaseTag, bool> scope) => history.Where(scope).All(v => (v.Major, v.Minor, v.Patch).CompareTo((release.Major, release.Minor, release.Patch)) <= 0);
            Assert.Equal(HighestIn(_ => true), decisions["latest"].Moves);
            Assert.Equal(HighestIn(v => v.Major == release.Major), decisions[$"v{release.Major}"].Moves);
            Assert.Equal(HighestIn(v => v.Major == release.Major && v.Minor == release.Minor), decisions[$"v{release.Major}.{release.Minor}"].Moves);
        }
    }

    [Fact]
    public async Task No_floating_tags_planned_means_no_decisions()
    {
        var plan = BuildPlan.Create(Repo.Catalog(), new PlanOptions { Release = ReleaseTag.Parse("v1.2.3"), FloatingTags = false, Images = ["pandoc"] });
        var decisions = await FloatingTags.DecideAsync(plan.Publish[0], plan.Options.Release!, new FakeRegistry(), null, CancellationToken.None);
        Assert.Empty(decisions);
    }
}
