using System.Text.RegularExpressions;
using ImageTooling.Testing;
using Xunit.Abstractions;

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
    public void A_build_in_an_empty_storage_pulls_every_unchanged_node_from_the_registry_cache_and_makes_the_same_image()
    {
        Assert.Equal(0, harness.Release(output).Exit); // the warm storage the cache is filled from
        var cache = $"{harness.Registry}/e2e-{harness.RunId}-cache/images";
        var work = Directory.CreateTempSubdirectory("imagetool-e2e-cache-");
        // Beside the default graphroot, so the fresh storage sits on the file system its driver was chosen for.
        var fresh = $"/var/lib/containers/imagetool-e2e-fresh-{harness.RunId}";
        try
        {
            // tooling-k8s-aws: a derived image, so the fresh storage needs its base from the cache too.
            var warmLogs = Path.Combine(work.FullName, "warm");
            var warm = harness.WithAuthFile(auth => Build(auth, cache, warmLogs, storageConf: null));
            Assert.All(Logs(warmLogs), log => Assert.Contains("registry cache: pushed image", log.Text));

            var freshLogs = Path.Combine(work.FullName, "fresh");
            var conf = FreshStorage(fresh, work.FullName);
            var again = harness.WithAuthFile(auth => Build(auth, cache, freshLogs, conf));
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
            TestProcess.Run("podman", ["--root", Path.Combine(fresh, "storage"), "--runroot", Path.Combine(fresh, "run"), "rmi", "--all", "--force"], timeout: TimeSpan.FromMinutes(5));
            if (Directory.Exists(fresh)) Directory.Delete(fresh, recursive: true);
            work.Delete(recursive: true);
        }
    }

    private static IEnumerable<(string Name, string Text)> Logs(string folder) =>
        Directory.GetFiles(folder, "*.log").Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllText(f)));

    /// <summary>
    /// imagetool build of tooling-k8s-aws (and its base) for linux/amd64 with the registry cache; returns the layers of
    /// both images as podman holds them (the label step's own history differs per build; the layers may not).
    /// </summary>
    private string Build(string auth, string cache, string logs, string? storageConf)
    {
        var env = new Dictionary<string, string?> { ["REGISTRY_AUTH_FILE"] = auth, ["CONTAINERS_STORAGE_CONF"] = storageConf };
        var run = harness.Run(output, env, "build", "--image", "tooling-k8s-aws", "--platform", "linux/amd64", "--registry-cache", cache, "--log-dir", logs);
        Assert.True(run.Exit == 0, run.All);
        return string.Join("\n", new[] { "tooling-k8s", "tooling-k8s-aws" }.Select(image =>
        {
            var inspect = TestProcess.Run("podman", ["image", "inspect", "--format", "{{.RootFS.Layers}}", $"localhost/imagetool/{image}:amd64"],
                environment: storageConf is null ? null : new Dictionary<string, string> { ["CONTAINERS_STORAGE_CONF"] = storageConf },
                unset: storageConf is null ? ["CONTAINERS_STORAGE_CONF"] : null);
            Assert.True(inspect.ExitCode == 0, inspect.ToString());
            return $"{image}: {inspect.StandardOutput.Trim()}";
        }));
    }

    /// <summary>The machine's storage.conf (its driver and options) with a graphroot and runroot of its own.</summary>
    private static string FreshStorage(string root, string work)
    {
        var system = File.Exists("/etc/containers/storage.conf") ? File.ReadAllText("/etc/containers/storage.conf") : "[storage]\ndriver = \"overlay\"\n";
        var conf = Regex.Replace(system, @"^\s*(graphroot|runroot)\s*=.*$", "", RegexOptions.Multiline)
            .Replace("[storage]", $"[storage]\ngraphroot = \"{root}/storage\"\nrunroot = \"{root}/run\"", StringComparison.Ordinal);
        var path = Path.Combine(work, "storage.conf");
        File.WriteAllText(path, conf);
        return path;
    }
}
