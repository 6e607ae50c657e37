namespace ImageTooling.Tests;

public class ReleaseTagTests
{
    [Theory]
    [InlineData("v1.2.3", 1, 2, 3, null)]
    [InlineData("v0.0.0", 0, 0, 0, null)]
    [InlineData("v10.20.30", 10, 20, 30, null)]
    [InlineData("v1.2.3-rc.1", 1, 2, 3, "rc.1")]
    [InlineData("v1.2.3-alpha-2.0a", 1, 2, 3, "alpha-2.0a")]
    public void Parses_release_tags(string text, int major, int minor, int patch, string? pre)
    {
        var tag = ReleaseTag.Parse(text);
        Assert.Equal(new ReleaseTag(major, minor, patch, pre), tag);
        Assert.Equal(text, tag.ToString());
        Assert.Equal(pre is null, tag.IsStable);
    }

    [Theory]
    [InlineData("1.2")]
    [InlineData("v1.2")]
    [InlineData("release-3")]
    [InlineData("v01.2.3")]
    [InlineData("v1.02.3")]
    [InlineData("v1.2.03")]
    [InlineData("1.2.3")]
    [InlineData("v1.2.3-")]
    [InlineData("v1.2.3-rc..1")]
    [InlineData("v1.2.3-rc.01")]
    [InlineData("v1.2.3+build.5")]
    [InlineData("latest")]
    [InlineData("")]
    [InlineData("v99999999999.0.0")]
    public void Refuses_anything_else_showing_the_expected_form(string text)
    {
        var error = Assert.Throws<InputError>(() => ReleaseTag.Parse(text));
        Assert.Contains($"'{text}' is not a release tag", error.Message);
        Assert.Contains("vMAJOR.MINOR.PATCH", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Null(ReleaseTag.TryParse(text)); // every registry tag is tried: absence is an answer, not an exception
    }

    [Fact]
    public void A_stable_release_gets_floating_tags_after_its_version()
    {
        Assert.Equal(["v1.2.3", "v1.2", "v1", "latest"], ReleaseTag.Parse("v1.2.3").Tags());
    }

    [Fact]
    public void Floating_tags_can_be_switched_off()
    {
        Assert.Equal(["v1.2.3"], ReleaseTag.Parse("v1.2.3").Tags(floating: false));
    }

    [Fact]
    public void A_pre_release_gets_only_its_own_tag()
    {
        Assert.Equal(["v1.2.3-rc.1"], ReleaseTag.Parse("v1.2.3-rc.1").Tags());
    }

    [Fact]
    public void Orders_by_semver_precedence()
    {
        string[] shuffled = ["v1.10.0", "v1.2.3", "v1.2.3-rc.10", "v1.2.10", "v1.2.3-rc.2", "v1.2.3-alpha", "v0.9.0", "v1.2.3-rc.2.1"];
        var ordered = shuffled.Select(ReleaseTag.Parse).Order().Select(t => t.ToString());
        Assert.Equal(["v0.9.0", "v1.2.3-alpha", "v1.2.3-rc.2", "v1.2.3-rc.2.1", "v1.2.3-rc.10", "v1.2.3", "v1.2.10", "v1.10.0"], ordered);
    }
}
