using ImageTooling.Catalog;
using ImageTooling.Scheduling;

namespace ImageTooling.Tests;

/// <summary>
/// A simulation, not an engine: it builds and runs nothing, it only waits each node's expected time divided by
/// <paramref name="speedup"/>, so that a whole run (schedule, timing summary, run report) can be driven through the
/// command line without building anything.
/// </summary>
internal sealed class SimulatedEngine(Func<BuildNode, ExpectedTime> expected, double speedup) : IImageEngine
{
    public string Name => $"simulation ({speedup:0.#}x faster than the expected times; nothing is built)";
    public Task CheckReadyAsync(CancellationToken cancellation) => Task.CompletedTask;
    public Task CheckCredentialsAsync(RegistryCredentials credentials, CancellationToken cancellation) => Task.CompletedTask;

    public async Task<BuiltImage> BuildAsync(BuildNode node, BuiltImage? baseImage, CancellationToken cancellation)
    {
        await Task.Delay(Scaled(expected(node).BuildSeconds), cancellation);
        return new BuiltImage(node, $"simulated/{node.Image.Name}:{node.Platform.Architecture}");
    }

    public async Task<CommandResult> RunAsync(BuiltImage image, SmokeTest test, CancellationToken cancellation)
    {
        await Task.Delay(Scaled(expected(image.Node).SmokeSeconds / Math.Max(1, image.Node.SmokeTests.Count)), cancellation);
        return new CommandResult(0, test.Expect);
    }

    public Task ExportLayoutAsync(BuiltImage variant, string layout, CancellationToken cancellation) =>
        throw new NotSupportedException("this engine stages nothing");

    public Task<string> PublishAsync(ImageReference reference, IReadOnlyList<BuiltImage> variants, RegistryCredentials credentials, CancellationToken cancellation) =>
        throw new PipelineFailure("a simulation publishes nothing");

    private TimeSpan Scaled(double seconds) => TimeSpan.FromSeconds(seconds / speedup);
}
