using ImageTooling.Cli;
using ImageTooling.Catalog;

namespace ImageTooling.Tests;

public class ReleaseNotesTests
{
    private static ImageCatalog WithTool(ImageCatalog catalog, string tool, string version) =>
        catalog with { Tools = catalog.Tools.ToDictionary(t => t.Key, t => t.Key == tool ? t.Value with { Version = version } : t.Value) };

    [Fact]
    public void Every_image_is_listed_with_its_tools_and_a_changed_tool_is_marked_in_every_image_that_holds_it()
    {
        var current = Repo.Catalog();
        var kubectl = current.Tools["kubectl"].Version;
        var previous = WithTool(current, "kubectl", "0.0.1");
        var notes = ReleaseNotes.Markdown(ReleaseTag.Parse("v1.2.3"), current, ReleaseTag.Parse("v1.2.2"), previous);

        var rows = notes.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)).ToList();
        Assert.Equal(current.Images.Count, rows.Count);
        foreach (var image in current.Images)
        {
            var row = rows.Single(r => r.StartsWith($"| `{current.Registry}/{image.Name}:v1.2.3` |", StringComparison.Ordinal));
            foreach (var tool in current.AllToolsOf(image).Where(t => t.Name != "kubectl"))
                Assert.Contains($"{tool.Name} {tool.Version}", row);
            if (current.AllToolsOf(image).Any(t => t.Name == "kubectl"))
            {
                Assert.Contains($"**kubectl {kubectl}**", row);
                Assert.EndsWith($"| kubectl 0.0.1 → {kubectl} |", row.TrimEnd());
            }
            else
            {
                Assert.EndsWith("| — |", row.TrimEnd());
            }
        }
        Assert.Contains("Changed since v1.2.2", notes);
    }

    [Fact]
    public void New_and_removed_images_and_tools_are_named()
    {
        var current = Repo.Catalog();
        var previous = current with { Images = current.Images.Where(i => i.Name != "pandoc").ToList() };
        var notes = ReleaseNotes.Markdown(ReleaseTag.Parse("v2.0.0"), current, ReleaseTag.Parse("v1.9.0"), previous);
        Assert.Contains($"| `{current.Registry}/pandoc:v2.0.0` |", notes);
        Assert.Contains("| new image |", notes);

        var reverse = ReleaseNotes.Markdown(ReleaseTag.Parse("v2.0.0"), previous, ReleaseTag.Parse("v1.9.0"), current);
        Assert.Contains($"| `{current.Registry}/pandoc` | | | removed: no longer published |", reverse);
    }

    [Fact]
    public void The_previous_release_is_the_highest_stable_tag_below()
    {
        string[] tags = ["v1.2.2", "v1.2.3-rc.1", "v1.10.0", "v1.2.10", "v0.9.0", "latest", "v1.3.0"];
        Assert.Equal("v1.2.10", ReleaseNotes.PreviousStable(ReleaseTag.Parse("v1.3.0"), tags)?.ToString());
        Assert.Equal("v1.3.0", ReleaseNotes.PreviousStable(ReleaseTag.Parse("v1.4.0-rc.1"), tags)?.ToString());
        Assert.Null(ReleaseNotes.PreviousStable(ReleaseTag.Parse("v0.1.0"), tags));
    }

    [Fact]
    public void Every_image_carries_its_tool_versions_as_labels()
    {
        var catalog = Repo.Catalog();
        var plan = BuildPlan.Create(catalog, new PlanOptions { Release = ReleaseTag.Parse("v1.2.3") });
        foreach (var node in plan.Nodes)
            foreach (var tool in catalog.AllToolsOf(node.Image))
                Assert.Equal(tool.Version, node.Labels[BuildPlan.ToolLabelPrefix + tool.Name]);
    }
}
