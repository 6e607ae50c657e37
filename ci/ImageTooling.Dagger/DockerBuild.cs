using ImageTooling.Catalog;

namespace ImageTooling.Dagger;

/// <summary>One <c>dockerBuild</c>: the Dockerfile (optionally written into the context first), platform, build arguments and labels.</summary>
internal sealed record DockerBuild(
    string Dockerfile,
    Platform Platform,
    IReadOnlyDictionary<string, string> BuildArgs,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>Written into the context at <see cref="Dockerfile"/> before building, when set.</summary>
    public string? DockerfileContents { get; init; }
}
