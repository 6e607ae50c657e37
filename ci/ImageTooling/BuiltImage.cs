namespace ImageTooling;

/// <summary>An image an engine has built for one node of the plan. <c>Handle</c> means something only to that engine.</summary>
public sealed record BuiltImage(BuildNode Node, string Handle)
{
    /// <summary>The image's config digest when the engine knows it; it identifies the content in a registry.</summary>
    public string? ConfigDigest { get; init; }

    /// <summary>The engine took it from a cache of earlier builds (the local engine's registry cache) instead of building it.</summary>
    public bool FromCache { get; init; }
}
