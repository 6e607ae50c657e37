using ImageTooling.Testing;

namespace ImageTooling.Tests;

/// <summary>ci/lib.sh's and tests/harness/lib.sh's helpers, sourced by bash as the provisioning scripts source them.</summary>
public sealed class ShellLibraryTests : IDisposable
{
    private readonly string bin = Directory.CreateTempSubdirectory("imagetool-lib-").FullName;

    public void Dispose() => Directory.Delete(bin, recursive: true);

    private string MissingPackages(params string[] specs)
    {
        var result = TestProcess.Run("bash", ["-c", $". '{Path.Combine(Repo.Root, "ci", "lib.sh")}' && missing_packages \"$@\"", "bash", .. specs],
            environment: new Dictionary<string, string> { ["PATH"] = $"{bin}:/usr/sbin:/usr/bin:/sbin:/bin" });
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput.Trim();
    }

    [Fact]
    public void A_package_counts_as_present_when_its_program_is_on_PATH_but_a_shell_builtin_of_that_name_does_not_count()
    {
        var program = Path.Combine(bin, "imagetool-test-program");
        File.WriteAllText(program, "#!/bin/sh\n");
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        Assert.Equal("", MissingPackages("imagetool-no-such-package:imagetool-test-program"));
        // `ulimit` is a bash builtin and no program: a debian:12 container had no procps, and `kill` (a builtin too)
        // let the harness take procps for installed.
        Assert.Equal("imagetool-no-such-package", MissingPackages("imagetool-no-such-package:ulimit"));
        Assert.Equal("imagetool-no-such-package", MissingPackages("imagetool-no-such-package"));
    }

    /// <summary>Runs stop_registry NAME with HARNESS_STATE at the test's folder, as teardown.sh and provision.sh do.</summary>
    private ProcessResult StopRegistry(string name) => TestProcess.Run("bash",
        ["-c", $". '{Path.Combine(Repo.Root, "tests", "harness", "lib.sh")}' && stop_registry \"$1\"", "bash", name],
        environment: new Dictionary<string, string> { ["HARNESS_STATE"] = bin, ["HARNESS_CACHE"] = bin });

    /// <summary>A process whose command line is that of registry NAME (docker-registry serve STATE/NAME/config.yml), as a stand-in for the daemon.</summary>
    private System.Diagnostics.Process StartRegistryLike(string name, string? configDirectory = null)
    {
        var dir = Path.Combine(bin, name);
        Directory.CreateDirectory(dir);
        var process = System.Diagnostics.Process.Start("bash", ["-c", "while :; do sleep 0.1; done", "docker-registry", "serve", Path.Combine(configDirectory ?? dir, "config.yml")])!;
        File.WriteAllText(Path.Combine(dir, "registry.pid"), $"{process.Id}\n");
        return process;
    }

    [Fact]
    public void Stopping_a_registry_stops_the_process_its_pid_file_names_and_removes_the_file()
    {
        using var registry = StartRegistryLike("mirror");
        var result = StopRegistry("mirror");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(registry.WaitForExit(TimeSpan.FromSeconds(10)), "the registry is still running");
        Assert.Contains($"registry mirror: stopped (pid {registry.Id})", result.Output);
        Assert.False(File.Exists(Path.Combine(bin, "mirror", "registry.pid")));
    }

    [Fact]
    public void A_pid_that_is_no_longer_the_registry_is_never_signalled()
    {
        // The pid file names a live process serving another configuration: the pid was given to something else.
        using var other = StartRegistryLike("target", configDirectory: Path.Combine(bin, "elsewhere"));
        try
        {
            var result = StopRegistry("target");
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains($"registry target: stale pid file ({other.Id} is not our registry)", result.Output);
            Assert.False(other.HasExited);
            Assert.False(File.Exists(Path.Combine(bin, "target", "registry.pid")));
        }
        finally
        {
            other.Kill();
        }
    }

    [Fact]
    public void A_registry_without_a_pid_file_is_not_running()
    {
        var result = StopRegistry("mirror");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("registry mirror: not running (no pid file)", result.Output);
    }
}
