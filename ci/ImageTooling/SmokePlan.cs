using ImageTooling.Catalog;

namespace ImageTooling;

/// <summary>Turns the catalog's checks into the smoke tests of one image on one platform.</summary>
public static class SmokePlan
{
    /// <summary>
    /// Every image ships this script; it prints the ELF machine of a file as <c>uname -m</c> would name it.
    /// </summary>
    public const string ArchCheck = "toolbox-arch";

    /// <summary>Loads a command's completion the way an interactive bash does on the first TAB (bash-completion 2.12+).</summary>
    private static string CompletionCheck(string command) =>
        $"bash -c '. /usr/share/bash-completion/bash_completion && _comp_load {command} && complete -p {command} > /dev/null && echo \"completes {command}\"'";

    public static IReadOnlyList<SmokeTest> For(ImageCatalog catalog, ImageDefinition image, Platform platform)
    {
        var tests = new List<SmokeTest>
        {
            new("platform", "uname -m", platform.Machine),
        };
        foreach (var tool in catalog.AllToolsOf(image))
        {
            tests.Add(new SmokeTest($"{tool.Name} version", tool.VersionCommand, tool.Render(tool.Expect), Tool: tool.Name));
            if (tool.Binary is not null)
                tests.Add(new SmokeTest($"{tool.Name} architecture", $"{ArchCheck} {tool.Binary}", platform.Machine, Tool: tool.Name));
            if (tool.Completion is not null)
                tests.Add(new SmokeTest(
                    $"{tool.Name} bash completion", CompletionCheck(tool.Name), $"completes {tool.Name}",
                    NeedsRealTool: true, Tool: tool.Name));
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
        tests.Add(catalog.SecurityCheck);
        return tests;
    }
}
