using System.CommandLine;

namespace ImageTooling.Cli;

/// <summary><c>imagetool dagger-download</c>: the pinned Dagger CLI tarball the workflows install, for $GITHUB_OUTPUT.</summary>
internal static class DaggerDownloadCommand
{
    private static readonly Option<string> Arch = new("--arch") { Description = "The runner's architecture: amd64 or arm64", DefaultValueFactory = _ => "amd64" };

    public static Command Create(CommandContext c)
    {
        var command = new Command("dagger-download", "Print version=, url=, sha256= and archive-path= of the catalog's pinned Dagger CLI tarball (for $GITHUB_OUTPUT): the workflows install the CLI from it") { Arch };
        command.SetAction(r => c.Run(() =>
        {
            var catalog = CatalogOptions.Load(r);
            c.Output.Write(DaggerDownload.For(catalog, Repository.DaggerJson(catalog), r.GetValue(Arch)!).GithubOutput());
            return ExitCodes.Ok;
        }));
        return command;
    }
}
