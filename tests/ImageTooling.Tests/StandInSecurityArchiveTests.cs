using ImageTooling.Harness;
using ImageTooling.Testing;

namespace ImageTooling.Tests;

/// <summary>
/// The end-to-end tests' stand-in security archive, read by this machine's real apt (a private apt state: the host's
/// sources, lists and status are left alone): a system holding an older <see cref="StandInSecurityArchive.Package"/>
/// sees exactly that package upgradable from the archive's suite, which is what the catalog's security check looks for.
/// </summary>
public sealed class StandInSecurityArchiveTests
{
    [Fact]
    public void Apt_sees_the_one_fix_the_archive_holds_as_a_security_update()
    {
        var work = Directory.CreateTempSubdirectory("imagetool-archive-").FullName;
        var archive = StandInSecurityArchive.Create(Path.Combine(work, "archive"), ["amd64", "arm64"]);
        using var server = new StaticFileServer(archive.Root, LoopbackServer.FreePort());
        var apt = Path.Combine(work, "apt");
        Directory.CreateDirectory(Path.Combine(apt, "lists", "partial"));
        File.WriteAllText(Path.Combine(apt, "sources.list"), StandInSecurityArchive.SourceLine(server.Url) + "\n");
        // The status of a system that holds the package at an older version.
        File.WriteAllText(Path.Combine(apt, "status"), $"""
            Package: {StandInSecurityArchive.Package}
            Status: install ok installed
            Priority: required
            Architecture: {HarnessEnvironment.NativeArchitecture}
            Version: 13.8
            Description: the installed one

            """);
        string[] options = ["-o", $"Dir::Etc::SourceList={apt}/sources.list", "-o", "Dir::Etc::SourceParts=/dev/null", "-o", $"Dir::State::Lists={apt}/lists",
            "-o", $"Dir::State::status={apt}/status", "-o", $"Dir::Cache={apt}", "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root"];

        var update = TestProcess.Run("apt-get", [.. options, "update"]);
        Assert.True(update.ExitCode == 0, update.ToString());
        var upgradable = TestProcess.Run("apt", ["list", "--upgradable", .. options]);
        Assert.True(upgradable.ExitCode == 0, upgradable.ToString());
        var line = Assert.Single(upgradable.StandardOutput.Split('\n'), l => l.StartsWith(StandInSecurityArchive.Package + "/", StringComparison.Ordinal));
        Assert.StartsWith($"{StandInSecurityArchive.Package}/{StandInSecurityArchive.Suite} {StandInSecurityArchive.FixedVersion} ", line);
        Assert.Contains("[upgradable from: 13.8]", line);
    }
}
