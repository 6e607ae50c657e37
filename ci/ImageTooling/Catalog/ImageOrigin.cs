namespace ImageTooling.Catalog;

/// <summary>What an image is built on: another image of the catalog (<c>base:</c>) or a pinned base image (<c>from:</c>).</summary>
public abstract record ImageOrigin;

/// <summary>Built on another image of the catalog, as built in the same run for the same platform.</summary>
public sealed record ParentImage(string Image) : ImageOrigin;

/// <summary>Built from one of the catalog's pinned <c>base-images</c>, by its name there.</summary>
public sealed record PinnedBaseImage(string Name) : ImageOrigin;
