namespace ImageTooling.EndToEnd;

/// <summary>
/// The local engine's registry cache as a fresh runner meets it: a build on this machine's warm storage pushes each
/// node's image (before labels) to a cache repository of the harness registry, keyed by its inputs; then the same build
/// in an empty podman storage of its own (another graphroot, as a new runner has) pulls it and builds nothing.
/// </summary>
[Collection(nameof(HarnessCollection))]
public sealed class RegistryCacheTests(Harness harness, ITestOutputHelper output)
{
    [Fact]
    public void A_build_in_an_empty_storage_pulls_every_unchanged_node_from_the_registry_cache_and_has_the_same_layers()
    {
        Assert.Equal(0, harness.Release(output).Exit); // the warm storage the cache is filled from
        var cache = $"{harness.Registry}/e2e-{harness.RunId}-cache/images";
        var work = Directory.CreateTempSubdirectory("imagetool-e2e-cache-");
        try
        {
            // tooling-k8s-aws: a derived image, so the empty storage needs its base from the cache too.
            var warmLogs = Path.Combine(work.FullName, "warm");
            var warm = harness.WithAuthFile(auth => Build(auth, cache, warmLogs, storage: null));
            Assert.All(Logs(warmLogs), log => Assert.Contains("registry cache: pushed image", log.Text));

            using var empty = new EmptyStorage($"cache-{harness.RunId}");
            var freshLogs = Path.Combine(work.FullName, "fresh");
            var again = harness.WithAuthFile(auth => Build(auth, cache, freshLogs, empty));
            foreach (var (name, text) in Logs(freshLogs))
            {
                output.WriteLine($"{name}: {text.Split('\n').Last(l => l.StartsWith("registry cache:", StringComparison.Ordinal))}");
                Assert.Contains("registry cache: pulled", text);
                Assert.DoesNotContain("podman build --layers --network host", text);
            }
            Assert.Equal(warm, again);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static IEnumerable<(string Name, string Text)> Logs(string folder) =>
        Directory.GetFiles(folder, "*.log").Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllText(f)));

    /// <summary>
    /// imagetool build of tooling-k8s-aws (and its base) for the quick platform with the registry cache; returns the layers of
    /// both as podman holds them (a step that ran again would make new files, so new layers).
    /// </summary>
    private string Build(string auth, string cache, string logs, EmptyStorage? storage)
    {
        var env = new Dictionary<string, string?> { ["REGISTRY_AUTH_FILE"] = auth, ["CONTAINERS_STORAGE_CONF"] = storage?.Conf };
        var run = harness.Run(output, env, "build", "--image", "tooling-k8s-aws", "--platform", harness.Quick.ToString(), "--registry-cache", cache, "--log-dir", logs);
        Assert.True(run.Exit == 0, run.All);
        return string.Join("\n", new[] { "tooling-k8s", "tooling-k8s-aws" }.Select(image =>
        {
            string[] inspect = ["image", "inspect", "--format", "{{.RootFS.Layers}}", $"localhost/imagetool/{image}:{harness.Quick.Architecture}"];
            var result = storage?.Podman(inspect) ?? TestProcess.Run("podman", inspect, unset: ["CONTAINERS_STORAGE_CONF"]);
            Assert.True(result.ExitCode == 0, result.ToString());
            return $"{image}: {result.StandardOutput.Trim()}";
        }));
    }
}
