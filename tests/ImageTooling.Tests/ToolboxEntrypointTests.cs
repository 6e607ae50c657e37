using ImageTooling.Testing;

namespace ImageTooling.Tests;

/// <summary>
/// images/common/toolbox-entrypoint run on this machine as root, 12345:0 and 1000:1000 (setpriv), with test directories
/// at /home/toolbox and /mnt/kube. Each run has its own mount namespace with tmpfs over /home, /mnt and /tmp, so the
/// host's /home, /mnt and /tmp are untouched. A probe run by the entry point prints what the tests assert.
/// </summary>
public sealed class ToolboxEntrypointTests : IDisposable
{
    private const string MountedConfig = "apiVersion: v1\nkind: Config\ncurrent-context: mounted\n";

    // Runs as root in a private mount namespace; the entry point runs as RUN_AS with only PATH and the given variables.
    private const string Sandbox = """
        set -eu
        mount --make-rprivate /
        mount -t tmpfs tmpfs /home
        mkdir /home/toolbox
        mount --bind "$SANDBOX/home" /home/toolbox
        [ "$HOME_MOUNT" = rw ] || mount -o remount,bind,ro /home/toolbox
        mount -t tmpfs tmpfs /mnt
        # The checkout may be under /tmp (a clean clone), which the tmpfs below hides: the script is run from /mnt.
        install -m 0755 "$ENTRYPOINT" /mnt/toolbox-entrypoint
        if [ "$KUBE_MOUNT" != none ]; then
            mkdir /mnt/kube
            mount --bind "$SANDBOX/kube" /mnt/kube
            [ "$KUBE_MOUNT" = rw ] || mount -o remount,bind,ro /mnt/kube
        fi
        mount -t tmpfs -o mode=1777 tmpfs /tmp
        mkdir -m 1777 /tmp/work /tmp/user-home
        cd /tmp/work
        printf '%s\n' "$PROBE" | setpriv --reuid="${RUN_AS%:*}" --regid="${RUN_AS#*:}" --clear-groups env -i PATH=/usr/bin:/bin "$@"
        """;

    private const string Report = """
        echo "uid=$(id -u):$(id -g)"
        echo "home=$HOME"
        touch "$HOME/.probe" && echo "home-writable=yes"
        echo "cache=${KUBECACHEDIR-}"
        echo "kubeconfig=${KUBECONFIG-}"
        echo "shell=${BASH_VERSION-}"
        echo "kube-type=$(stat -c %F "$HOME/.kube")"
        echo "kube-link=$(readlink "$HOME/.kube")"
        echo "config-mode=$(stat -c %a "$HOME/.kube/config")"
        echo "config-owner=$(stat -c %u:%g "$HOME/.kube/config")"
        echo "entries=$(ls -A "$HOME/.kube" | tr '\n' ' ')"
        for entry in "$HOME"/.kube/* "$HOME"/.kube/.[!.]*; do
            [ ! -L "$entry" ] || echo "link:${entry##*/}=$(readlink "$entry")"
        done
        """;

    public enum Kube { None, ReadOnly, Writable }

    private readonly string sandbox = Directory.CreateTempSubdirectory("imagetool-entrypoint-").FullName;

    /// <summary>Bound at /home/toolbox.</summary>
    private string Home => Path.Combine(sandbox, "home");

    /// <summary>Bound at /mnt/kube.</summary>
    private string Mount => Path.Combine(sandbox, "kube");

    public ToolboxEntrypointTests()
    {
        // Modes set after creation: CreateDirectory's mode is masked by the umask.
        File.SetUnixFileMode(Directory.CreateDirectory(Home).FullName, UnixFileMode.StickyBit | (UnixFileMode)0b111_111_111);
        File.SetUnixFileMode(Directory.CreateDirectory(Mount).FullName, (UnixFileMode)0b111_101_101);
        WriteFile(Path.Combine(Mount, "config"), MountedConfig, (UnixFileMode)0b100_100_100);
        WriteFile(Path.Combine(Mount, "ca.crt"), "certificate\n", (UnixFileMode)0b110_100_100);
    }

    public void Dispose() => Directory.Delete(sandbox, recursive: true);

    private static void WriteFile(string path, string text, UnixFileMode mode)
    {
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, mode);
    }

    private static void Chown(string user, string path)
    {
        var result = TestProcess.Run("chown", ["-R", user, path]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary>The entry point run as <paramref name="user"/> with <c>sh</c> reading <paramref name="probe"/> and then the report.</summary>
    /// <param name="environment">The variables the entry point gets besides PATH; the images set HOME=/home/toolbox.</param>
    private Dictionary<string, string> Run(string user, Kube kube, string[]? environment = null, string probe = "",
        bool writableHome = true, bool command = true)
    {
        string[] entrypoint = ["sh", "/mnt/toolbox-entrypoint"];
        var result = TestProcess.Run("unshare",
            ["--mount", "sh", "-c", Sandbox, "sandbox", .. environment ?? ["HOME=/home/toolbox"], .. entrypoint, .. command ? ["sh"] : Array.Empty<string>()],
            environment: new Dictionary<string, string>
            {
                ["SANDBOX"] = sandbox,
                ["ENTRYPOINT"] = Path.Combine(Repo.Images, "common", "toolbox-entrypoint"),
                ["RUN_AS"] = user,
                ["HOME_MOUNT"] = writableHome ? "rw" : "ro",
                ["KUBE_MOUNT"] = kube switch { Kube.ReadOnly => "ro", Kube.Writable => "rw", _ => "none" },
                ["PROBE"] = probe + "\n" + Report,
            },
            timeout: TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.ToString());
        var report = new Dictionary<string, string>();
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0) report[line[..equals]] = line[(equals + 1)..];
        }
        Assert.Equal(user, report["uid"]);
        return report;
    }

    public static TheoryData<string, string> UsersAndHomes() => new()
    {
        { "0:0", "HOME=/home/toolbox" }, { "12345:0", "HOME=/home/toolbox" }, { "1000:1000", "HOME=/home/toolbox" },
        { "0:0", "HOME=/" }, { "12345:0", "HOME=/" }, { "1000:1000", "HOME=/" },
        { "0:0", "" }, { "12345:0", "" }, { "1000:1000", "" },
    };

    [Theory]
    [MemberData(nameof(UsersAndHomes))]
    public void HOME_is_the_writable_home_toolbox_for_any_UID_whether_HOME_is_set_to_it_to_slash_or_not_at_all(string user, string home)
    {
        var report = Run(user, Kube.None, home == "" ? [] : [home]);
        Assert.Equal("/home/toolbox", report["home"]);
        Assert.Equal("yes", report["home-writable"]);
        Assert.Equal("/home/toolbox/.cache/kube", report["cache"]);
    }

    [Fact]
    public void Podmans_HOME_set_to_the_working_directory_is_not_taken_as_the_users_choice()
    {
        var report = Run("12345:0", Kube.None, ["HOME=/tmp/work", "PWD=/tmp/work"]);
        Assert.Equal("/home/toolbox", report["home"]);
    }

    [Fact]
    public void A_writable_HOME_the_user_set_is_kept()
    {
        var report = Run("1000:1000", Kube.None, ["HOME=/tmp/user-home", "PWD=/tmp/work"]);
        Assert.Equal("/tmp/user-home", report["home"]);
        Assert.Equal("/tmp/user-home/.cache/kube", report["cache"]);
    }

    [Fact]
    public void When_home_toolbox_is_read_only_HOME_is_a_fresh_directory_under_tmp()
    {
        var report = Run("1000:1000", Kube.None, writableHome: false);
        Assert.Matches(@"^/tmp/home\.[A-Za-z0-9]{6}$", report["home"]);
        Assert.Equal("yes", report["home-writable"]);
        Assert.Equal(report["home"] + "/.cache/kube", report["cache"]);
    }

    [Fact]
    public void A_KUBECACHEDIR_the_user_set_is_kept()
    {
        var report = Run("12345:0", Kube.None, ["HOME=/home/toolbox", "KUBECACHEDIR=/tmp/kube-cache"]);
        Assert.Equal("/tmp/kube-cache", report["cache"]);
    }

    [Fact]
    public void A_writable_mounted_config_is_used_in_place_through_HOME_kube_linked_to_the_mount()
    {
        File.SetUnixFileMode(Path.Combine(Mount, "config"), (UnixFileMode)0b110_000_000);
        Chown("12345:0", Mount);
        var report = Run("12345:0", Kube.Writable, probe: """echo "namespace: changed" >> "$HOME/.kube/config" && echo appended=yes""");
        Assert.Equal("symbolic link", report["kube-type"]);
        Assert.Equal("/mnt/kube", report["kube-link"]);
        Assert.Equal("yes", report["appended"]);
        Assert.Equal(MountedConfig + "namespace: changed\n", File.ReadAllText(Path.Combine(Mount, "config")));
    }

    [Theory]
    [InlineData("0:0", Kube.ReadOnly)]
    [InlineData("12345:0", Kube.ReadOnly)]
    [InlineData("1000:1000", Kube.ReadOnly)]
    [InlineData("1000:1000", Kube.Writable)] // mounted writable, but owned by root and mode 0444
    public void A_mounted_config_this_UID_cannot_write_becomes_a_private_copy_only_it_can_read_and_write(string user, Kube kube)
    {
        var report = Run(user, kube, probe: """echo "namespace: mine" >> "$HOME/.kube/config" && echo appended=yes""");
        Assert.Equal("directory", report["kube-type"]);
        Assert.Equal("600", report["config-mode"]);
        Assert.Equal(user, report["config-owner"]);
        Assert.Equal("yes", report["appended"]);
        Assert.Equal(MountedConfig + "namespace: mine\n", File.ReadAllText(Path.Combine(Home, ".kube", "config")));
        Assert.Equal(MountedConfig, File.ReadAllText(Path.Combine(Mount, "config")));
    }

    [Fact]
    public void The_private_copy_is_refreshed_when_the_mounted_config_is_newer()
    {
        var copy = Path.Combine(Directory.CreateDirectory(Path.Combine(Home, ".kube")).FullName, "config");
        WriteFile(copy, "stale copy\n", (UnixFileMode)0b110_000_000);
        Chown("12345:0", Path.Combine(Home, ".kube"));
        File.SetLastWriteTimeUtc(copy, DateTime.UtcNow.AddHours(-1));

        var report = Run("12345:0", Kube.ReadOnly);
        Assert.Equal(MountedConfig, File.ReadAllText(copy));
        Assert.Equal("600", report["config-mode"]);
    }

    [Fact]
    public void The_private_copy_is_left_alone_when_the_mounted_config_is_not_newer()
    {
        var copy = Path.Combine(Directory.CreateDirectory(Path.Combine(Home, ".kube")).FullName, "config");
        WriteFile(copy, "copy with a context switch\n", (UnixFileMode)0b110_000_000);
        Chown("12345:0", Path.Combine(Home, ".kube"));
        File.SetLastWriteTimeUtc(Path.Combine(Mount, "config"), DateTime.UtcNow.AddHours(-1));

        Run("12345:0", Kube.ReadOnly);
        Assert.Equal("copy with a context switch\n", File.ReadAllText(copy));
    }

    [Fact]
    public void The_mounts_other_entries_are_linked_beside_the_copy_except_the_lock_and_the_caches()
    {
        WriteFile(Path.Combine(Mount, ".token"), "token\n", (UnixFileMode)0b110_100_100);
        WriteFile(Path.Combine(Mount, "config.lock"), "", (UnixFileMode)0b110_100_100);
        Directory.CreateDirectory(Path.Combine(Mount, "cache"));
        Directory.CreateDirectory(Path.Combine(Mount, "http-cache"));

        var report = Run("12345:0", Kube.ReadOnly);
        Assert.Equal([".token", "ca.crt", "config"], report["entries"].Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.Equal("/mnt/kube/ca.crt", report["link:ca.crt"]);
        Assert.Equal("/mnt/kube/.token", report["link:.token"]);
        Assert.False(report.ContainsKey("link:config"));
    }

    [Fact]
    public void Without_a_mount_HOME_kube_is_a_writable_directory()
    {
        var report = Run("1000:1000", Kube.None, probe: """touch "$HOME/.kube/config" && echo kube-writable=yes""");
        Assert.Equal("directory", report["kube-type"]);
        Assert.Equal("", report["kube-link"]);
        Assert.Equal("yes", report["kube-writable"]);
    }

    [Fact]
    public void A_KUBECONFIG_the_user_set_is_left_alone()
    {
        var report = Run("12345:0", Kube.ReadOnly, ["HOME=/home/toolbox", "KUBECONFIG=/mnt/kube/config"]);
        Assert.Equal("/mnt/kube/config", report["kubeconfig"]);
        Assert.Equal("directory", report["kube-type"]);
        Assert.Equal("", report["entries"]);
    }

    [Fact]
    public void Without_arguments_the_entrypoint_runs_bash()
    {
        var report = Run("1000:1000", Kube.None, command: false);
        Assert.NotEqual("", report["shell"]);
        Assert.Equal("/home/toolbox", report["home"]);
    }
}
