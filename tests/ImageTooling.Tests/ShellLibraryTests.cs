using ImageTooling.Testing;

namespace ImageTooling.Tests;

/// <summary>ci/lib.sh's helpers, sourced by bash as the provisioning scripts source them.</summary>
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
}
