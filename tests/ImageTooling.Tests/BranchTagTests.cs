namespace ImageTooling.Tests;

public class BranchTagTests
{
    private const string Sha = "1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D7E8F9A0B";

    [Theory]
    [InlineData("main", "main-1a2b3c4")]
    [InlineData("Feature/Login_Fix!!", "feature-login-fix-1a2b3c4")]
    [InlineData("refs/heads/renovate/kubectl-1.x", "renovate-kubectl-1.x-1a2b3c4")]
    [InlineData("a_-b", "a-b-1a2b3c4")]
    [InlineData("v1.2-hotfix", "br-v1.2-hotfix-1a2b3c4")]
    [InlineData("latest", "latest-1a2b3c4")]
    [InlineData("___", "branch-1a2b3c4")]
    [InlineData("-.-dots.and-dashes.-", "dots.and-dashes-1a2b3c4")]
    [InlineData("Ünïcode/zweig", "n-code-zweig-1a2b3c4")]
    [InlineData("a-very-long-branch-name-that-goes-on-and-on-and-on-forever", "a-very-long-branch-name-that-goes-on-and-1a2b3c4")]
    // The br- prefix counts: 40 characters of slug with it, never 43.
    [InlineData("v1.2.3-a-very-long-hotfix-branch-name-that-goes-on", "br-v1.2.3-a-very-long-hotfix-branch-name-1a2b3c4")]
    [InlineData("v1.2.3-a-very-long-hotfix-branch-name-.-that", "br-v1.2.3-a-very-long-hotfix-branch-name-1a2b3c4")]
    public void A_branch_tag_is_a_short_slug_and_the_short_sha(string branch, string expected)
    {
        var tag = BranchTag.For(branch, Sha);
        Assert.Equal(expected, tag);
        Assert.True(tag.Length - 8 <= BranchTag.MaxSlugLength, $"slug of '{tag}' is longer than {BranchTag.MaxSlugLength}");
        // The plan accepts it as a branch tag (it refuses release-like tags and latest).
        var plan = BuildPlan.Create(Repo.Catalog(), new PlanOptions { BranchTag = tag, Images = ["pandoc"] });
        Assert.Equal([tag], plan.Publish[0].Tags);
    }

    [Theory]
    [InlineData("not-a-sha")]
    [InlineData("1a2b3c")]
    [InlineData("")]
    public void A_branch_tag_needs_a_commit_sha(string sha)
    {
        var error = Assert.Throws<InputError>(() => BranchTag.For("main", sha));
        Assert.Contains("is not a commit SHA", error.Message);
    }

    [Fact]
    public void Any_branch_name_gives_a_tag_the_plan_accepts()
    {
        var random = new Random(7);
        const string alphabet = "abcXYZ019._-/ !@#vV";
        for (var i = 0; i < 500; i++)
        {
            var branch = new string(Enumerable.Range(0, random.Next(0, 70)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            var tag = BranchTag.For(branch, Sha);
            var plan = BuildPlan.Create(Repo.Catalog(), new PlanOptions { BranchTag = tag, Images = ["pandoc"] });
            Assert.Equal([tag], plan.Publish[0].Tags);
        }
    }
}
