using ImageTooling.Catalog;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageTooling.Registry;

// The OCI documents the client reads and writes, as far as it uses them (image-spec v1.1: descriptor.md, image-index.md,
// manifest.md, config.md; Docker's manifest list and v2 manifest have the same fields). Properties in the order engines
// write them, so an index the client writes has the bytes an engine's would.

/// <summary>An index entry's platform.</summary>
internal sealed record OciPlatform(string Architecture, string Os)
{
    /// <summary>arm64's <c>v8</c>; left out when there is none.</summary>
    public string? Variant { get; init; }

    public Platform ToPlatform() => Platform.Of(Os, Architecture, Variant);
}

/// <summary>A reference to a manifest or blob: its media type, digest and size; an index entry also names its platform.</summary>
internal sealed record OciDescriptor(string MediaType, string Digest, long Size)
{
    public OciPlatform? Platform { get; init; }
}

/// <summary>What a manifest URL serves: an index (<see cref="Manifests"/>) or an image manifest (<see cref="Config"/>, <see cref="Layers"/>).</summary>
internal sealed record OciManifest
{
    public int SchemaVersion { get; init; } = 2;
    public string? MediaType { get; init; }
    public IReadOnlyList<OciDescriptor>? Manifests { get; init; }
    public OciDescriptor? Config { get; init; }
    public IReadOnlyList<OciDescriptor>? Layers { get; init; }

    public static OciManifest Index(IReadOnlyList<OciDescriptor> manifests) => new() { MediaType = OciJson.IndexType, Manifests = manifests };
}

/// <summary>An image config: its platform and its labels.</summary>
internal sealed record OciImageConfig(string? Os, string? Architecture, string? Variant)
{
    public OciImageSettings? Config { get; init; }
}

internal sealed record OciImageSettings(IReadOnlyDictionary<string, string>? Labels);

/// <summary>A registry's tag list (<c>/v2/NAME/tags/list</c>).</summary>
internal sealed record OciTagList(IReadOnlyList<string>? Tags);

internal static class OciJson
{
    public const string IndexType = "application/vnd.oci.image.index.v1+json";

    /// <summary>camelCase names read case-insensitively (a config's <c>Labels</c>); no nulls written; media types as
    /// written (<c>+json</c>, not <c>\u002Bjson</c>).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static T Parse<T>(ReadOnlySpan<byte> json, string what) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new PipelineFailure($"{what}: the registry sent null");

    public static byte[] Bytes<T>(T document) => JsonSerializer.SerializeToUtf8Bytes(document, Options);
}
