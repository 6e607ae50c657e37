using System.Text.RegularExpressions;

namespace ImageTooling.EndToEnd;

/// <summary>
/// A podman storage of its own, empty, as a fresh runner's engine has: this machine's storage.conf (its driver and
/// options) with another graphroot and runroot, beside the default graphroot so the driver suits its file system.
/// Podman and imagetool use it through <c>CONTAINERS_STORAGE_CONF</c>; disposing removes it.
/// </summary>
internal sealed class EmptyStorage : IDisposable
{
    private readonly string root;

    public EmptyStorage(string name)
    {
        root = $"/var/lib/containers/imagetool-e2e-{name}";
        if (Directory.Exists(root)) Remove();
        Directory.CreateDirectory(root);
        var system = File.Exists("/etc/containers/storage.conf") ? File.ReadAllText("/etc/containers/storage.conf") : "[storage]\ndriver = \"overlay\"\n";
        var conf = Regex.Replace(system, @"^\s*(graphroot|runroot)\s*=.*$", "", RegexOptions.Multiline)
            .Replace("[storage]", $"[storage]\ngraphroot = \"{root}/storage\"\nrunroot = \"{root}/run\"", StringComparison.Ordinal);
        Conf = Path.Combine(root, "storage.conf");
        File.WriteAllText(Conf, conf);
    }

    /// <summary>The storage.conf to give as <c>CONTAINERS_STORAGE_CONF</c>.</summary>
    public string Conf { get; }

    /// <summary>podman on this storage.</summary>
    public ProcessResult Podman(params string[] args) =>
        TestProcess.Run("podman", args, environment: new Dictionary<string, string> { ["CONTAINERS_STORAGE_CONF"] = Conf }, timeout: TimeSpan.FromMinutes(5));

    public void Dispose() => Remove();

    private void Remove()
    {
        // Images first: overlay layers may be mounted, and podman unmounts what it removes.
        TestProcess.Run("podman", ["--root", Path.Combine(root, "storage"), "--runroot", Path.Combine(root, "run"), "rmi", "--all", "--force"], timeout: TimeSpan.FromMinutes(5));
        Directory.Delete(root, recursive: true);
    }
}
