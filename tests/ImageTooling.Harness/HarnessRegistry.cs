using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ImageTooling.Harness;

/// <summary>
/// One of the harness's registries (Debian's docker-registry), as tests/harness/provision.sh keeps it: its
/// configuration, pid file and log in STATE/NAME, started detached from the caller and listening on loopback only.
/// A pid counts only while its command line is still this registry's (<c>serve STATE/NAME/config.yml</c>), so a pid
/// the kernel has since given to another process is never signalled.
/// </summary>
public sealed class HarnessRegistry(string state, string name, string program = "/usr/bin/docker-registry")
{
    private string Folder => Path.Combine(state, name);
    private string ConfigFile => Path.Combine(Folder, "config.yml");
    private string PidFile => Path.Combine(Folder, "registry.pid");
    public string LogFile => Path.Combine(Folder, "registry.log");

    /// <summary>The pid of this registry while it runs; null when it does not (no pid file, no process, or another one).</summary>
    public int? RunningPid()
    {
        if (!File.Exists(PidFile) || !int.TryParse(File.ReadAllText(PidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            return null;
        var commandLine = CommandLine(pid);
        return commandLine is not null && commandLine.Contains($"serve {ConfigFile}", StringComparison.Ordinal) ? pid : null;
    }

    /// <summary>
    /// Runs the registry on <paramref name="address"/> with this configuration (storage in <paramref name="data"/>, the
    /// htpasswd file's users when one is given): one that runs with it and answers <paramref name="expectedStatus"/> on
    /// /v2/ stays; one whose configuration or users changed is restarted. Returns what it did, as a line for the log.
    /// </summary>
    /// <exception cref="HarnessError">The port is another process's, or the registry does not answer.</exception>
    public async Task<string> EnsureAsync(string address, string data, int expectedStatus, string? htpasswd, CancellationToken cancellation)
    {
        Directory.CreateDirectory(Folder);
        Directory.CreateDirectory(data);
        var changed = WriteIfChanged(ConfigFile, Config(address, data, htpasswd));
        // The htpasswd file is read only at start-up: a changed one needs a restart.
        if (htpasswd is not null)
            changed |= WriteIfChanged(Path.Combine(Folder, "htpasswd.sha256"), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(htpasswd))) + "\n");

        var url = new Uri($"http://{address}/v2/");
        var restarting = false;
        if (RunningPid() is { } running)
        {
            if (!changed && await AnswersAsync(url, expectedStatus, TimeSpan.FromSeconds(5), cancellation))
                return $"registry {name}: running (pid {running}) at http://{address}";
            Stop();
            restarting = true;
        }

        var port = int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        if (ListeningPid(port) is { } owner)
            throw new HarnessError($"registry {name}: port {port} is held by pid {owner} ({CommandLine(owner)?.Trim()}); stop it first");

        var pid = Start();
        File.WriteAllText(PidFile, $"{pid}\n");
        if (!await AnswersAsync(url, expectedStatus, TimeSpan.FromSeconds(30), cancellation))
            throw new HarnessError($"registry {name}: did not answer {expectedStatus} on {url} (log: {LogFile}):\n{Tail(LogFile, 20)}");
        if (RunningPid() != pid)
            throw new HarnessError($"registry {name}: pid file does not match the running process");
        return $"registry {name}: {(restarting ? "restarted (its configuration changed or it did not answer)" : "started")} (pid {pid}) at http://{address}, log {LogFile}";
    }

    /// <summary>Stops the registry (TERM, then KILL after 10 s) and removes its pid file. Returns what it did, as a line for the log.</summary>
    public string Stop()
    {
        if (!File.Exists(PidFile))
            return $"registry {name}: not running (no pid file)";
        var said = File.ReadAllText(PidFile).Trim();
        string line;
        if (RunningPid() is { } pid)
        {
            Signal(pid, "TERM");
            for (var waited = 0; waited < 50 && Directory.Exists($"/proc/{pid}"); waited++)
                Thread.Sleep(200);
            if (Directory.Exists($"/proc/{pid}"))
                Signal(pid, "KILL");
            line = $"registry {name}: stopped (pid {pid})";
        }
        else
        {
            line = $"registry {name}: stale pid file ({said} is not our registry)";
        }
        File.Delete(PidFile);
        return line;
    }

    private string Config(string address, string data, string? htpasswd)
    {
        var secretFile = Path.Combine(Folder, "http-secret");
        if (!File.Exists(secretFile) || new FileInfo(secretFile).Length == 0)
            WriteIfChanged(secretFile, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        var auth = htpasswd is null ? "" : $"""
            auth:
              htpasswd:
                realm: image-tooling-harness
                path: {htpasswd}

            """;
        return $"""
            # Managed by image-tooling-harness (tests/harness/provision.sh).
            version: 0.1
            log:
              level: info
              formatter: text
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {data}
              delete:
                enabled: true
              maintenance:
                uploadpurging:
                  enabled: false
            http:
              addr: {address}
              secret: {File.ReadAllText(secretFile).Trim()}
              headers:
                X-Content-Type-Options: [nosniff]

            """ + auth;
    }

    /// <summary>
    /// The registry in a session of its own (it outlives the caller), with a bare environment, no input and its output
    /// appended to its log; the shell only redirects and replaces itself with the registry.
    /// </summary>
    private int Start()
    {
        var start = new ProcessStartInfo("setsid", ["--fork", "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "sh", "-c",
            "echo $$ > \"$1\"; exec \"$2\" serve \"$3\" < /dev/null >> \"$4\" 2>&1", "sh", $"{PidFile}.new", program, ConfigFile, LogFile])
        { WorkingDirectory = Folder, UseShellExecute = false };
        using (var fork = Process.Start(start) ?? throw new HarnessError($"registry {name}: setsid did not start"))
            fork.WaitForExit();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists($"{PidFile}.new") && int.TryParse(File.ReadAllText($"{PidFile}.new").Trim(), CultureInfo.InvariantCulture, out var pid))
            {
                File.Delete($"{PidFile}.new");
                return pid;
            }
            Thread.Sleep(50);
        }
        throw new HarnessError($"registry {name}: {program} did not start (log: {LogFile})");
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private static async Task<bool> AnswersAsync(Uri url, int expectedStatus, TimeSpan within, CancellationToken cancellation)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + within;
        do
        {
            try
            {
                using var response = await http.GetAsync(url, cancellation);
                if ((int)response.StatusCode == expectedStatus) return true;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
            {
            }
            await Task.Delay(300, cancellation);
        }
        while (DateTime.UtcNow < deadline);
        return false;
    }

    /// <summary>The pid of the process listening on TCP <paramref name="port"/> (any address), from /proc; null when none is.</summary>
    public static int? ListeningPid(int port)
    {
        var hexPort = $":{port:X4}";
        var inodes = new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists)
            .SelectMany(table => File.ReadLines(table).Skip(1))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            // local_address ends in the port; state 0A is LISTEN; the inode is the tenth field.
            .Where(f => f.Length > 9 && f[1].EndsWith(hexPort, StringComparison.Ordinal) && f[3] == "0A")
            .Select(f => $"socket:[{f[9]}]")
            .ToHashSet(StringComparer.Ordinal);
        if (inodes.Count == 0) return null;
        foreach (var process in Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(d => d!.All(char.IsAsciiDigit)))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries($"/proc/{process}/fd").Any(fd => new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target)))
                    return int.Parse(process!, CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended, or its descriptors are not ours to read.
            }
        }
        return null;
    }

    private static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Replaces the file (mode 0600) when its text differs; true when it did.</summary>
    private static bool WriteIfChanged(string path, string text)
    {
        if (File.Exists(path) && File.ReadAllText(path) == text) return false;
        var temporary = $"{path}.{Guid.NewGuid():N}";
        File.WriteAllText(temporary, "");
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(temporary, text, new UTF8Encoding(false));
        File.Move(temporary, path, overwrite: true);
        return true;
    }

    private static string Tail(string path, int lines) =>
        File.Exists(path) ? string.Join("\n", File.ReadLines(path).TakeLast(lines)) : "(no log)";
}

/// <summary>The harness cannot do what it was asked; the message says why, in one line or a few.</summary>
public sealed class HarnessError(string message) : Exception(message);
