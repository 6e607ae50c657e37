using ImageTooling.Catalog;

namespace ImageTooling;

/// <summary>
/// One platform of an image pushed by digest with no tag (<see cref="Pipeline.StageAsync"/>), waiting for
/// <see cref="Pipeline.AssembleAsync"/> to put it in the image's index: where it is, and the inputs it was built from.
/// </summary>
public sealed record StagedImage(string Image, ImageReference Repository, Platform Platform, string Digest, string? InputsDigest);
