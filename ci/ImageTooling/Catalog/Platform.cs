using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageTooling.Catalog;

/// <summary>
/// An OCI platform such as <c>linux/arm64</c>, normalised the way registries and engines compare them, so that one
/// image has one platform whether an index, an image config, a report or a command line names it. Written as
/// <c>os/architecture[/variant]</c> in every file and report.
/// </summary>
[JsonConverter(typeof(PlatformJsonConverter))]
public sealed record Platform
{
    private Platform(string os, string architecture, string? variant) =>
        (Os, Architecture, Variant) = (os, architecture, variant);

    public string Os { get; }
    public string Architecture { get; }

    /// <summary>The CPU variant when it is not the architecture's default (arm64's <c>v8</c> is the default, so null).</summary>
    public string? Variant { get; }

    public static readonly Platform LinuxAmd64 = Of("linux", "amd64");
    public static readonly Platform LinuxArm64 = Of("linux", "arm64");

    /// <summary>The platforms the project builds for.</summary>
    public static readonly IReadOnlyList<Platform> Known = [LinuxAmd64, LinuxArm64];

    /// <summary>
    /// The architectures of <see cref="Known"/>: the keys of a download's <c>sha256</c> and <c>arch</c> maps.
    /// </summary>
    public static readonly string[] Architectures = [.. Known.Select(k => k.Architecture)];

    /// <summary>What an index entry or image config that lacks a platform is read as; it matches no planned platform.</summary>
    public static readonly Platform Unknown = Of("unknown", "unknown");

    /// <summary>
    /// The platform, normalised: lower case, the architecture's other names to Go's (x86_64 is amd64, aarch64 is arm64),
    /// and a variant that is the architecture's default dropped. The rule of containerd/platforms database.go
    /// (normalizeArch, at 07c2124), which BuildKit, Docker and the registries' clients share.
    /// </summary>
    public static Platform Of(string os, string architecture, string? variant = null)
    {
        var (arch, v) = (architecture.ToLowerInvariant(), variant?.ToLowerInvariant() ?? "");
        (arch, v) = arch switch
        {
            "i386" => ("386", ""),
            "x86_64" or "x86-64" or "amd64" => ("amd64", v == "v1" ? "" : v),
            "aarch64" or "arm64" => ("arm64", v is "8" or "v8" ? "" : v),
            "armhf" => ("arm", "v7"),
            "armel" => ("arm", "v6"),
            "arm" => ("arm", v switch { "" or "7" => "v7", "5" or "6" or "8" => $"v{v}", _ => v }),
            _ => (arch, v),
        };
        return new Platform(os.ToLowerInvariant(), arch, v.Length == 0 ? null : v);
    }

    /// <summary>Reads <c>os/architecture[/variant]</c>; false for anything else.</summary>
    public static bool TryParse(string? text, out Platform platform)
    {
        platform = Unknown;
        var parts = (text ?? "").Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0 || p.Any(char.IsWhiteSpace))) return false;
        platform = Of(parts[0], parts[1], parts.Length == 3 ? parts[2] : null);
        return true;
    }

    /// <exception cref="FormatException">The text is not <c>os/architecture[/variant]</c>.</exception>
    public static Platform Parse(string text) =>
        TryParse(text, out var platform) ? platform : throw new FormatException($"'{text}' is not a platform (os/architecture[/variant])");

    /// <summary>The known platform <paramref name="text"/> names (in any of its spellings), or null.</summary>
    public static Platform? KnownOrNull(string text) => TryParse(text, out var platform) && Known.Contains(platform) ? platform : null;

    /// <summary>What <c>uname -m</c> prints inside a container of this platform.</summary>
    public string Machine => Architecture switch
    {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        _ => Architecture,
    };

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";
}

/// <summary>A platform in JSON: its <c>os/architecture[/variant]</c> text, as a value and as a dictionary key.</summary>
internal sealed class PlatformJsonConverter : JsonConverter<Platform>
{
    public override Platform Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Parse(reader.GetString());

    public override void Write(Utf8JsonWriter writer, Platform value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());

    public override Platform ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Parse(reader.GetString());

    public override void WriteAsPropertyName(Utf8JsonWriter writer, Platform value, JsonSerializerOptions options) => writer.WritePropertyName(value.ToString());

    private static Platform Parse(string? text) =>
        Platform.TryParse(text, out var platform) ? platform : throw new JsonException($"'{text}' is not a platform (os/architecture[/variant])");
}
