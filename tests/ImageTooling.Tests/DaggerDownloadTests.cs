using ImageTooling.Catalog;
using ImageTooling.Cli;

namespace ImageTooling.Tests;

public class DaggerDownloadTests
{
    [Theory]
    [InlineData("amd64")]
    [InlineData("arm64")]
    public void The_workflows_install_the_catalogs_pinned_dagger_tarball(string arch)
    {
        var catalog = Repo.Catalog();
        var tool = catalog.Tools["dagger"];
        var download = DaggerDownload.For(catalog, File.ReadAllText(Path.Combine(Repo.Root, "dagger.json")), arch);

        Assert.Equal(tool.Version, download.Version);
        Assert.Equal($"https://dl.dagger.io/dagger/releases/{tool.Version}/dagger_v{tool.Version}_linux_{arch}.tar.gz", download.Url);
        Assert.Equal(Assert.IsType<Download>(tool.Source).Sha256[arch], download.Sha256);
        Assert.Matches("^[0-9a-f]{64}$", download.Sha256);
        Assert.Equal("dagger", download.ArchivePath);
        Assert.Equal($"version={tool.Version}\nurl={download.Url}\nsha256={download.Sha256}\narchive-path=dagger\n", download.GithubOutput());
    }

    [Fact]
    public void An_unknown_architecture_or_a_disagreeing_dagger_json_is_refused()
    {
        var catalog = Repo.Catalog();
        Assert.Contains("riscv64", Assert.Throws<InputError>(() => DaggerDownload.For(catalog, null, "riscv64")).Message);
        Assert.Throws<InputError>(() => DaggerDownload.For(catalog, """{ "engineVersion": "v0.0.1" }""", "amd64"));
    }
}
