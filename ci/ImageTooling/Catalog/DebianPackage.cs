namespace ImageTooling.Catalog;

/// <summary>A tool installed from the Debian archive, pinned to one package version.</summary>
public sealed record DebianPackage(string Name, string Version) : ToolSource
{
    public string AptSpec => $"{Name}={Version}";
}
