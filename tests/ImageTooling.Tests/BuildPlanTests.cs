using System.Text.Json;

namespace ImageTooling.Tests;

/// <summary>On the fixture catalog (tests/ImageTooling.Tests/fixtures/images): base, derived on base, other.</summary>
public class BuildPlanTests
{
    private static BuildPlan Plan(PlanOptions? options = null) => BuildPlan.Create(Repo.Fixture(), options ?? new PlanOptions());

    [Fact]
    public void A_release_plans_every_image_on_every_platform_with_the_base_first()
    {
        var plan = Plan(new PlanOptions { Release = ReleaseTag.Parse("v1.2.3") });
        Assert.Equal(6, plan.Nodes.Count);
        foreach (var derived in plan.Nodes.Where(n => n.Image.Base is not null))
        {
            Assert.NotNull(derived.Base);
            Assert.Equal("base", derived.Base!.Image.Name);
            Assert.Equal(derived.Platform, derived.Base.Platform);
            Assert.True(plan.Nodes.ToList().IndexOf(derived.Base) < plan.Nodes.ToList().IndexOf(derived));
        }
        Assert.All(plan.Publish, p => Assert.Equal(["v1.2.3", "v1.2", "v1", "latest"], p.Tags));
        Assert.Equal(3, plan.Publish.Count);
        Assert.Equal("registry.example/fixture/other", plan.Publish.Single(p => p.Image.Name == "other").Repository.ToString());
    }

    [Fact]
    public void A_pre_release_plans_only_its_own_tag()
    {
        var plan = Plan(new PlanOptions { Release = ReleaseTag.Parse("v1.2.3-rc.1") });
        Assert.All(plan.Publish, p => Assert.Equal(["v1.2.3-rc.1"], p.Tags));
    }

    [Fact]
    public void Selecting_a_derived_image_builds_its_base_but_publishes_only_the_selection()
    {
        var plan = Plan(new PlanOptions { Release = ReleaseTag.Parse("v2.0.0"), Images = ["derived"] });
        Assert.Equal(["base linux/amd64", "base linux/arm64", "derived linux/amd64", "derived linux/arm64"], plan.Nodes.Select(n => n.Id));
        Assert.Equal(["derived"], plan.Publish.Select(p => p.Image.Name));
    }

    [Fact]
    public void The_order_is_deterministic()
    {
        var options = new PlanOptions { Release = ReleaseTag.Parse("v1.0.0") };
        Assert.Equal(Plan(options).ToJson(), Plan(options).ToJson());
        Assert.Equal(Plan(options).ToText(), Plan(options).ToText());
    }

    [Fact]
    public void The_registry_namespace_can_be_overridden_per_run()
    {
        var plan = Plan(new PlanOptions { Release = ReleaseTag.Parse("v1.0.0"), Registry = "127.0.0.1:5000/team/" });
        Assert.All(plan.Publish, p => Assert.StartsWith("127.0.0.1:5000/team/", p.Repository.ToString()));
    }

    [Fact]
    public void Unknown_image_lists_the_valid_ones()
    {
        var error = Assert.Throws<InputError>(() => Plan(new PlanOptions { Images = ["bass"] }));
        Assert.Equal("unknown image 'bass' (valid: base, derived, other)", error.Message);
    }

    [Fact]
    public void Unknown_platform_lists_the_valid_ones()
    {
        var error = Assert.Throws<InputError>(() => Plan(new PlanOptions { Platforms = ["linux/s390x"] }));
        Assert.Equal("unknown platform 'linux/s390x' (valid: linux/amd64, linux/arm64)", error.Message);
    }

    [Fact]
    public void A_platform_selection_builds_only_that_platform()
    {
        var plan = Plan(new PlanOptions { Images = ["other"], Platforms = ["linux/arm64"] });
        Assert.Equal(["other linux/arm64"], plan.Nodes.Select(n => n.Id));
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("v1.2.3")]
    [InlineData("v1.2.3-abcdef1")]
    [InlineData("Feature-abcdef1")]
    [InlineData("feature")]
    public void Branch_tags_are_never_release_tags_or_latest(string tag)
    {
        var error = Assert.Throws<InputError>(() => Plan(new PlanOptions { BranchTag = tag }));
        Assert.Contains("is not a branch image tag", error.Message);
    }

    [Fact]
    public void A_branch_image_is_published_under_its_tag_only()
    {
        var plan = Plan(new PlanOptions { BranchTag = "feature-x-1a2b3c4" });
        Assert.All(plan.Publish, p => Assert.Equal(["feature-x-1a2b3c4"], p.Tags));
    }

    [Fact]
    public void Release_and_branch_tags_together_are_refused()
    {
        Assert.Throws<InputError>(() => Plan(new PlanOptions { Release = ReleaseTag.Parse("v1.0.0"), BranchTag = "main-1a2b3c4" }));
    }

    [Fact]
    public void Labels_carry_version_revision_created_and_source()
    {
        var created = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var node = Plan(new PlanOptions { Release = ReleaseTag.Parse("v1.2.3"), Revision = "abc123", Created = created }).Nodes[0];
        Assert.Equal("1.2.3", node.Labels["org.opencontainers.image.version"]);
        Assert.Equal("abc123", node.Labels["org.opencontainers.image.revision"]);
        Assert.Equal("2027-01-15T08:00:00Z", node.Labels["org.opencontainers.image.created"]);
        Assert.Equal("https://git.example/fixture/images", node.Labels["org.opencontainers.image.source"]);
        Assert.Equal("base", node.Labels["org.opencontainers.image.title"]);
        Assert.Equal("MIT", node.Labels["org.opencontainers.image.licenses"]);
    }

    [Fact]
    public void The_json_plan_lists_nodes_and_publish_targets()
    {
        using var json = JsonDocument.Parse(Plan(new PlanOptions { Release = ReleaseTag.Parse("v1.2.3") }).ToJson());
        var nodes = json.RootElement.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(6, nodes.Count);
        Assert.Equal("base linux/amd64", nodes[2].GetProperty("base").GetString());
        var publish = json.RootElement.GetProperty("publish").EnumerateArray().First();
        Assert.Equal(["v1.2.3", "v1.2", "v1", "latest"], publish.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["linux/amd64", "linux/arm64"], publish.GetProperty("platforms").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public void Base_image_overrides_must_name_a_catalog_base()
    {
        var error = Assert.Throws<InputError>(() => Plan(new PlanOptions { BaseImageOverrides = new Dictionary<string, string> { ["ubuntu"] = "x" } }));
        Assert.Contains("unknown base image 'ubuntu'", error.Message);
    }

    [Fact]
    public void Stand_in_downloads_need_a_mirror()
    {
        Assert.Throws<InputError>(() => Plan(new PlanOptions { StandInTools = ["alpha"] }));
    }

    [Theory]
    [InlineData("gamma")] // a Debian package: nothing is downloaded, so nothing can be a stand-in
    [InlineData("omega")]
    public void Only_downloaded_tools_of_the_catalog_can_be_stand_ins(string tool)
    {
        var error = Assert.Throws<InputError>(() => Plan(new PlanOptions { DownloadMirror = "http://127.0.0.1:1", StandInTools = [tool] }));
        Assert.Contains($"'{tool}' is not a downloaded tool of the catalog", error.Message);
        Assert.Contains("(downloaded: alpha, beta)", error.Message);
    }
}
