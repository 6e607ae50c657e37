using System.Runtime.InteropServices;
using ImageTooling.Catalog;

namespace ImageTooling.Harness;

/// <summary>
/// What tests/harness/provision.sh set up on this machine, as its env file (<c>$HARNESS_STATE/env</c>) says: the
/// registries, the base image, the real tools' folder, and the platforms it provisioned (<c>HARNESS_PLATFORMS</c>:
/// both by default; one on a CI leg that runs on a runner of that platform).
/// </summary>
public sealed class HarnessEnvironment
{
    private readonly IReadOnlyDictionary<string, string> values;

    private HarnessEnvironment(string file, IReadOnlyDictionary<string, string> values)
    {
        File = file;
        this.values = values;
        Platforms = (values.GetValueOrDefault("HARNESS_PLATFORMS") is { Length: > 0 } list ? list.Split(',') : Platform.Known.Select(p => p.ToString()))
            .Select(p => Platform.KnownOrNull(p) ?? throw new InvalidOperationException($"{file}: HARNESS_PLATFORMS names an unknown platform '{p}'"))
            .ToList();
    }

    /// <summary>The env file this was read from.</summary>
    public string File { get; }

    /// <summary>The platforms provisioned (their base images and real tools), in the order given.</summary>
    public IReadOnlyList<Platform> Platforms { get; }

    public IReadOnlyList<string> Architectures => Platforms.Select(p => p.Architecture).ToList();

    /// <summary>The provisioned platform this machine runs natively, else the first one: what the one-platform flows use.</summary>
    public Platform Quick => Platforms.FirstOrDefault(p => p.Architecture == NativeArchitecture) ?? Platforms[0];

    /// <summary>This machine's own architecture as the platforms name it.</summary>
    public static string NativeArchitecture => RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "amd64";

    public string this[string key] => values.TryGetValue(key, out var value) ? value
        : throw new InvalidOperationException($"{File} names no {key}: run 'bash tests/harness/provision.sh' as root");

    /// <summary>Reads the env file; a missing file says how to make it.</summary>
    public static HarnessEnvironment Load()
    {
        var state = Environment.GetEnvironmentVariable("HARNESS_STATE") is { Length: > 0 } s ? s : "/var/lib/image-tooling-harness";
        var file = Path.Combine(state, "env");
        if (!System.IO.File.Exists(file))
            throw new InvalidOperationException($"the offline test harness is not provisioned ({file} is missing): run 'bash tests/harness/provision.sh' as root first (tests/run.sh does)");
        var values = System.IO.File.ReadAllLines(file).Where(l => l.Contains('=', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        return new HarnessEnvironment(file, values);
    }
}
