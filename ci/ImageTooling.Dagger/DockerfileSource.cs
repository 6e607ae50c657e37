namespace ImageTooling.Dagger;

/// <summary>A Dockerfile (path relative to the build context) and the build arguments it is built with.</summary>
internal sealed record DockerfileSource(string Path, string Text, IReadOnlyDictionary<string, string> BuildArgs);
