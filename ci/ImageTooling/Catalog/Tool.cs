namespace ImageTooling.Catalog;

/// <summary>
/// A tool of the catalog: its pinned version, how to check it, and where it comes from (an upstream download
/// or a Debian package).
/// </summary>
public sealed record Tool(
    string Name,
    string Version,
    string VersionCommand,
    string Expect,
    string? Binary,
    ToolSource Source,
    IReadOnlyList<SmokeTest> Smoke,
    SourceSpot Spot)
{
    /// <summary>The command that prints the tool's bash completion script, if it has one.</summary>
    public string? Completion { get; init; }

    /// <summary>The build-argument prefix for this tool: <c>argocd</c> → <c>ARGOCD</c>.</summary>
    public string ArgPrefix => Name.ToUpperInvariant().Replace('-', '_');

    public string Render(string template, Platform? platform = null)
    {
        var text = template.Replace("{version}", Version);
        return platform is not null && Source is Download download ? text.Replace("{arch}", download.ArchName(platform)) : text;
    }
}
