namespace ImageTooling.Catalog;

/// <summary>Where in a catalog file a value came from, so every error can point at it.</summary>
public sealed record SourceSpot(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>An OS/architecture pair such as <c>linux/arm64</c>.</summary>
public sealed record Platform(string Os, string Architecture)
{
    public static readonly IReadOnlyList<string> Known = ["linux/amd64", "linux/arm64"];

    public static bool TryParse(string text, out Platform platform)
    {
        platform = new Platform("", "");
        if (!Known.Contains(text)) return false;
        var parts = text.Split('/');
        platform = new Platform(parts[0], parts[1]);
        return true;
    }

    /// <summary>What <c>uname -m</c> prints inside a container of this platform.</summary>
    public string Machine => Architecture switch
    {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        _ => Architecture,
    };

    public override string ToString() => $"{Os}/{Architecture}";
}

/// <summary>A command run inside a container of an image, and the text its output must contain.</summary>
public sealed record SmokeTest(string Name, string Run, string Expect, string? User = null, bool NeedsRealTool = false);

/// <summary>
/// An upstream release artifact: URL and checksum source, with <c>{version}</c> and <c>{arch}</c>
/// placeholders, and for an archive the path of the tool's binary inside it.
/// </summary>
public sealed record Download(
    string Url,
    string? ArchivePath,
    string? ChecksumsUrl,
    IReadOnlyDictionary<string, string> Sha256,
    IReadOnlyDictionary<string, string> ArchNames)
{
    public string ArchName(Platform platform) =>
        ArchNames.TryGetValue(platform.Architecture, out var name) ? name : platform.Architecture;
}

/// <summary>A tool installed from the Debian archive, pinned to one package version.</summary>
public sealed record DebianPackage(string Name, string Version)
{
    public string AptSpec => $"{Name}={Version}";
}

public sealed record Tool(
    string Name,
    string Version,
    string VersionCommand,
    string Expect,
    string? Binary,
    Download? Download,
    DebianPackage? Debian,
    IReadOnlyList<SmokeTest> Smoke,
    SourceSpot Spot)
{
    /// <summary>The build-argument prefix for this tool: <c>argocd</c> → <c>ARGOCD</c>.</summary>
    public string ArgPrefix => Name.ToUpperInvariant().Replace('-', '_');

    public string Render(string template, Platform? platform = null)
    {
        var text = template.Replace("{version}", Version);
        return platform is null || Download is null ? text : text.Replace("{arch}", Download.ArchName(platform));
    }
}

public sealed record ImageDefinition(
    string Name,
    string Description,
    string Folder,
    string? Base,
    string? From,
    IReadOnlyList<Platform> Platforms,
    IReadOnlyList<string> Tools,
    IReadOnlyList<SmokeTest> Smoke,
    SourceSpot Spot)
{
    public string Dockerfile => $"{Folder}/Dockerfile";

    /// <summary>How long a cold build of this image takes per platform, for scheduling before any run has been timed.</summary>
    public IReadOnlyDictionary<Platform, double> ExpectedBuildSeconds { get; init; } = new Dictionary<Platform, double>();
}

/// <summary>Everything the images are made of: the single source of names, versions and checks.</summary>
public sealed record ImageCatalog(
    string Directory,
    string Registry,
    string Source,
    string License,
    IReadOnlyDictionary<string, string> BaseImages,
    IReadOnlyDictionary<string, Tool> Tools,
    IReadOnlyList<ImageDefinition> Images)
{
    public ImageDefinition Image(string name) => Images.First(i => i.Name == name);

    public IEnumerable<Tool> ToolsOf(ImageDefinition image) => image.Tools.Select(t => Tools[t]);

    /// <summary>The image's own tools and those of every image below it.</summary>
    public IEnumerable<Tool> AllToolsOf(ImageDefinition image) =>
        (image.Base is null ? [] : AllToolsOf(Image(image.Base))).Concat(ToolsOf(image));
}
