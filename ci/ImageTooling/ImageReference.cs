using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace ImageTooling;

/// <summary>
/// An image reference parsed once: <c>[HOST/]PATH[:TAG][@DIGEST]</c>. The first part is a host when it has a dot, a
/// port or is <c>localhost</c>; otherwise the image is on Docker Hub (<see cref="DockerHub"/>).
/// </summary>
/// <param name="Repository">HOST/PATH or PATH as written, without tag and digest.</param>
[JsonConverter(typeof(ImageReferenceJsonConverter))]
public sealed partial record ImageReference(string Repository, string Host, string Path, string? Tag, string? Digest)
{
    public const string DockerHub = "docker.io";

    public static ImageReference Parse(string text)
    {
        var at = text.IndexOf('@');
        var name = at < 0 ? text : text[..at];
        var colon = name.LastIndexOf(':');
        var tag = colon > name.LastIndexOf('/') ? name[(colon + 1)..] : null;
        if (tag is not null) name = name[..colon];
        var slash = name.IndexOf('/');
        var first = slash < 0 ? "" : name[..slash];
        var hasHost = first.Contains('.') || first.Contains(':') || first == "localhost";
        return new ImageReference(name, hasHost ? first : DockerHub, hasHost ? name[(slash + 1)..] : name, tag, at < 0 ? null : text[(at + 1)..]);
    }

    /// <summary>The same repository under <paramref name="tag"/>.</summary>
    public ImageReference WithTag(string tag) => this with { Tag = tag, Digest = null };

    /// <summary>The manifest <paramref name="digest"/> in the same repository.</summary>
    public ImageReference WithDigest(string digest) => this with { Tag = null, Digest = digest };

    /// <summary>What a registry's manifest URL names: the digest when there is one, else the tag.</summary>
    public string ManifestReference => Digest ?? Tag ?? throw new InvalidOperationException($"{this} names a repository, not a manifest");

    /// <summary>The reference without its digest: what a person reads (<c>debian:trixie-slim</c>).</summary>
    public string Tagged => Tag is null ? Repository : $"{Repository}:{Tag}";

    /// <summary>The reference by digest alone (<c>HOST/PATH@sha256:…</c>), or as tagged when it has no digest: some tools take no "tag@digest".</summary>
    public string Pinned => Digest is null ? Tagged : $"{Repository}@{Digest}";

    public override string ToString() => Digest is null ? Tagged : $"{Tagged}@{Digest}";

    /// <summary>Whether <paramref name="text"/> is a tag as the OCI distribution spec allows one.</summary>
    public static bool IsTag(string text) => TagPattern().IsMatch(text);

    // OCI distribution spec, "Pulling manifests": <reference> as a tag.
    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex TagPattern();
}

/// <summary>A reference in JSON: its text, as written.</summary>
internal sealed class ImageReferenceJsonConverter : JsonConverter<ImageReference>
{
    public override ImageReference Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() is { Length: > 0 } text ? ImageReference.Parse(text) : throw new JsonException("an image reference must be a non-empty string");

    public override void Write(Utf8JsonWriter writer, ImageReference value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
