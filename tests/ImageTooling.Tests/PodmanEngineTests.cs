using ImageTooling.Local;

namespace ImageTooling.Tests;

/// <summary>The local engine's choice of a base image's platform variant.</summary>
public class PodmanEngineTests
{
    private static readonly Dictionary<string, string> AmdOnly = new() { ["amd64"] = "sha256:a" };

    [Fact]
    public void The_variant_of_the_target_architecture_is_chosen()
    {
        Assert.Equal("sha256:a", PodmanEngine.PlatformDigest("registry.example/debian:x@sha256:i", AmdOnly, "amd64"));
    }

    [Fact]
    public void A_base_image_without_the_target_platform_is_a_clear_error()
    {
        var failure = Assert.Throws<PipelineFailure>(() => PodmanEngine.PlatformDigest("registry.example/debian:x@sha256:i", AmdOnly, "arm64"));
        Assert.Equal("the base image registry.example/debian:x@sha256:i has no linux/arm64 variant (it has: linux/amd64)", failure.Message);
    }
}
