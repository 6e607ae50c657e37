using ImageTooling.Catalog;

namespace ImageTooling;

/// <summary>Turns the catalog's checks into the smoke tests of one image on one platform.</summary>
public static class SmokePlan
{
    /// <summary>
    /// Every image ships this script; it prints the ELF machine of a file as <c>uname -m</c> would name it.
    /// </summary>
    public const string ArchCheck = "toolbox-arch";

    public static IReadOnlyList<SmokeTest> For(ImageCatalog catalog, ImageDefinition image, Platform platform)
    {
        var tests = new List<SmokeTest>
        {
            new("platform", "uname -m", platform.Machine),
        };
        foreach (var tool in catalog.AllToolsOf(image))
        {
            tests.Add(new SmokeTest($"{tool.Name} version", tool.VersionCommand, tool.Render(tool.Expect)));
            if (tool.Binary is not null)
                tests.Add(new SmokeTest($"{tool.Name} architecture", $"{ArchCheck} {tool.Binary}", platform.Machine));
            tests.AddRange(tool.Smoke.Select(t => t with
            {
                Name = $"{tool.Name} {t.Name}",
                Run = tool.Render(t.Run),
                Expect = tool.Render(t.Expect),
            }));
        }
        // Image-level tests may name any tool's version as {TOOL}.
        var tools = catalog.AllToolsOf(image).ToList();
        string Render(string text) => tools.Aggregate(text, (t, tool) => t.Replace($"{{{tool.Name}}}", tool.Version));
        tests.AddRange(image.Smoke.Select(t => t with { Run = Render(t.Run), Expect = Render(t.Expect) }));
        return tests;
    }
}
