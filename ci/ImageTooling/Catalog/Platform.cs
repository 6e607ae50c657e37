namespace ImageTooling.Catalog;

/// <summary>An OS/architecture pair such as <c>linux/arm64</c>.</summary>
public sealed record Platform(string Os, string Architecture)
{
    public static readonly IReadOnlyList<string> Known = ["linux/amd64", "linux/arm64"];

    /// <summary>
    /// The architectures of <see cref="Known"/>: the keys of a download's <c>sha256</c> and <c>arch</c> maps.
    /// </summary>
    public static readonly string[] Architectures = [.. Known.Select(k => k.Split('/')[1])];

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
