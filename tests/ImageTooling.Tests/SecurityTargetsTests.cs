using System.Text.Json;
using ImageTooling.Cli;
using ImageTooling.Security;

namespace ImageTooling.Tests;

/// <summary>Which published tags the scheduled security check looks at: latest and the newest vX.Y of each maintained major.</summary>
public class SecurityTargetsTests
{
    [Fact]
    public void Latest_and_the_newest_minor_of_the_two_highest_majors_are_checked()
    {
        string[] registry = ["latest", "v2", "v2.0", "v2.0.1", "v2.1", "v2.1.0", "v1", "v1.9", "v1.10", "v1.10.3", "v0.9", "feature-x-1a2b3c4", "v2.2.0-rc.1"];
        Assert.Equal(["latest", "v2.1", "v1.10"], SecurityTargets.Choose(registry));
        Assert.Equal(["latest", "v2.1"], SecurityTargets.Choose(registry, majors: 1));
        Assert.Equal(["latest", "v2.1", "v1.10", "v0.9"], SecurityTargets.Choose(registry, majors: 3));
    }

    [Fact]
    public void Only_floating_minor_tags_count_and_nothing_released_means_nothing_to_check()
    {
        // A patch tag is pinned knowingly; leading zeros are no release tag's; a branch tag is not a line.
        Assert.Equal(["v1.2"], SecurityTargets.Choose(["v1.2", "v1.3.0", "v01.4", "v1.05", "v1", "br-v1.9-0123456"]));
        Assert.Empty(SecurityTargets.Choose([]));
        Assert.Throws<InputError>(() => SecurityTargets.Choose(["latest"], majors: 0));
    }

    [Fact]
    public async Task Only_tags_every_published_image_holds_are_chosen()
    {
        var registry = new FakeRegistry();
        var index = new RemoteIndex("sha256:i", []);
        foreach (var image in new[] { "base", "derived", "other" })
            foreach (var tag in new[] { "latest", "v1.4", "v1.4.0" })
                registry.Tags[$"registry.example/fixture/{image}:{tag}"] = index;
        // v1.5 is not (yet) published for every image: a check of it would report a missing image, not a fix.
        registry.Tags["registry.example/fixture/base:v1.5"] = index;
        registry.Tags["registry.example/fixture/derived:v1.5"] = index;
        var plan = BuildPlan.Create(Repo.Fixture(), new PlanOptions());

        Assert.Equal(["latest", "v1.4"], await SecurityTargets.ReadAsync(plan, registry, null, SecurityTargets.DefaultMajors, CancellationToken.None));
        registry.Tags["registry.example/fixture/other:v1.5"] = index;
        Assert.Equal(["latest", "v1.5"], await SecurityTargets.ReadAsync(plan, registry, null, SecurityTargets.DefaultMajors, CancellationToken.None));
    }

    [Fact]
    public void The_workflow_gets_the_tags_and_one_scan_per_image_and_tag()
    {
        var plan = BuildPlan.Create(Repo.Fixture(), new PlanOptions());
        var lines = SecurityTargetsCommand.GithubOutputLines(plan, ["latest", "v1.4"]).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        Assert.Equal("true", lines["any"]);
        Assert.Equal(["latest", "v1.4"], JsonSerializer.Deserialize<string[]>(lines["tags"])!);
        var scans = JsonSerializer.Deserialize<JsonElement[]>(lines["scans"])!;
        Assert.Equal(6, scans.Length);
        Assert.Contains(scans, s => s.GetProperty("image").GetString() == "derived" && s.GetProperty("tag").GetString() == "v1.4"
            && s.GetProperty("reference").GetString() == "registry.example/fixture/derived:v1.4" && s.GetProperty("artifact").GetString() == "derived-v1.4");

        Assert.StartsWith("any=false\ntags=[]\n", SecurityTargetsCommand.GithubOutputLines(plan, []));
    }
}
