using ImageTooling.Catalog;

namespace ImageTooling.Reporting;

/// <summary>
/// One version tag a publish wrote or found already there (<c>status</c>: pushed or unchanged): the index digest,
/// each platform's manifest digest as the registry holds it, and what happened to each floating tag.
/// </summary>
public sealed record PublishedReference(
    string Image, string Repository, string Tag, string Reference, string Digest, string Status,
    IReadOnlyDictionary<Platform, string> Platforms, IReadOnlyList<FloatingTagReport> FloatingTags);
