namespace ImageTooling.Catalog;

/// <summary>A command run inside a container of an image, and the text its output must contain.</summary>
/// <param name="NeedsRealTool">The test relies on <see cref="Tool"/>'s real behaviour, not only on its presence: it is skipped where that tool is a stand-in.</param>
/// <param name="Tool">The tool whose binary the test exercises; null for a test of the image as a whole.</param>
/// <param name="Mount">A directory mounted into the container for this test (a kube config at /mnt/kube, say).</param>
/// <param name="Network">The test needs the network (the security check asks Debian's archive); every other test runs without.</param>
public sealed record SmokeTest(
    string Name, string Run, string Expect, string? User = null, bool NeedsRealTool = false, string? Tool = null, SmokeMount? Mount = null,
    bool Network = false);
