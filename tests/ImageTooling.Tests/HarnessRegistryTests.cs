using System.Net;
using System.Net.Sockets;
using ImageTooling.Harness;
using ImageTooling.Testing;

namespace ImageTooling.Tests;

/// <summary>
/// The harness's registries as tests/harness/provision.sh keeps them, with Debian's real docker-registry (the
/// provisioning's packages install it before the unit tier): started detached, left alone while nothing changed,
/// restarted when the users changed, never started on another process's port, and stopped only while the pid is theirs.
/// </summary>
public sealed class HarnessRegistryTests : IDisposable
{
    private readonly string state = Directory.CreateTempSubdirectory("imagetool-registry-state-").FullName;
    private readonly List<HarnessRegistry> started = [];

    public void Dispose()
    {
        foreach (var registry in started) registry.Stop();
        Directory.Delete(state, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private HarnessRegistry Registry(string name)
    {
        var registry = new HarnessRegistry(state, name);
        started.Add(registry);
        return registry;
    }

    private static async Task<HttpStatusCode> StatusAsync(string address)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://{address}/v2/"));
        return response.StatusCode;
    }

    private string Htpasswd(string password)
    {
        var file = Path.Combine(state, "htpasswd");
        var result = TestProcess.Run("htpasswd", ["-c", "-B", "-b", file, "harness", password]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return file;
    }

    [Fact]
    public async Task A_registry_is_started_detached_and_left_running_while_nothing_changed()
    {
        var address = $"127.0.0.1:{FreePort()}";
        var registry = Registry("mirror");

        var first = await registry.EnsureAsync(address, Path.Combine(state, "data"), 200, null, CancellationToken.None);
        var pid = registry.RunningPid();

        Assert.NotNull(pid);
        Assert.Equal($"registry mirror: started (pid {pid}) at http://{address}, log {registry.LogFile}", first);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(address));
        Assert.Contains($"serve {Path.Combine(state, "mirror", "config.yml")}", File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '));
        Assert.Equal($"registry mirror: running (pid {pid}) at http://{address}", await registry.EnsureAsync(address, Path.Combine(state, "data"), 200, null, CancellationToken.None));
        Assert.Equal(pid, registry.RunningPid());
    }

    [Fact]
    public async Task A_registry_with_users_asks_for_them_and_is_restarted_when_they_change()
    {
        var address = $"127.0.0.1:{FreePort()}";
        var registry = Registry("target");
        var users = Htpasswd("first-password");
        await registry.EnsureAsync(address, Path.Combine(state, "target-data"), 401, users, CancellationToken.None);
        var before = registry.RunningPid();
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(address));

        Htpasswd("second-password");
        var line = await registry.EnsureAsync(address, Path.Combine(state, "target-data"), 401, users, CancellationToken.None);

        Assert.StartsWith("registry target: restarted", line, StringComparison.Ordinal);
        Assert.NotEqual(before, registry.RunningPid());
        Assert.False(Directory.Exists($"/proc/{before}"), "the registry of the old users still runs");
    }

    [Fact]
    public async Task A_port_another_process_listens_on_is_refused_naming_that_process()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var port = ((IPEndPoint)other.LocalEndpoint).Port;

        var error = await Assert.ThrowsAsync<HarnessError>(() => Registry("mirror").EnsureAsync($"127.0.0.1:{port}", Path.Combine(state, "data"), 200, null, CancellationToken.None));

        Assert.StartsWith($"registry mirror: port {port} is held by pid {Environment.ProcessId} (", error.Message, StringComparison.Ordinal);
        Assert.Equal(Environment.ProcessId, HarnessRegistry.ListeningPid(port));
    }

    [Fact]
    public async Task Stopping_ends_the_registry_and_a_pid_that_is_no_longer_it_is_never_signalled()
    {
        var address = $"127.0.0.1:{FreePort()}";
        var registry = Registry("mirror");
        await registry.EnsureAsync(address, Path.Combine(state, "data"), 200, null, CancellationToken.None);
        var pid = registry.RunningPid();

        Assert.Equal($"registry mirror: stopped (pid {pid})", registry.Stop());
        Assert.False(Directory.Exists($"/proc/{pid}"));
        Assert.Equal("registry mirror: not running (no pid file)", registry.Stop());

        // The pid file names a live process that is not the registry: the pid went to something else.
        using var bystander = System.Diagnostics.Process.Start("sleep", ["60"])!;
        File.WriteAllText(Path.Combine(state, "mirror", "registry.pid"), $"{bystander.Id}\n");
        try
        {
            Assert.Null(registry.RunningPid());
            Assert.Equal($"registry mirror: stale pid file ({bystander.Id} is not our registry)", registry.Stop());
            Assert.False(bystander.HasExited);
        }
        finally
        {
            bystander.Kill();
        }
    }
}
