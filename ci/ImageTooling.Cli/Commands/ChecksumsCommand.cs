using System.CommandLine;

namespace ImageTooling.Cli;

/// <summary><c>imagetool checksums</c>: the pinned sha256 values against upstream's (<see cref="ChecksumRefresh"/>).</summary>
internal static class ChecksumsCommand
{
    private static readonly Option<bool> Write = new("--write") { Description = "Pin the upstream sha256 values in images/catalog.yaml" };

    public static Command Create(CommandContext c)
    {
        var command = new Command("checksums", "Compare pinned sha256 values with upstream (needs the internet); --write pins upstream's") { Write, PlanOptionSet.DownloadMirror };
        command.SetAction((r, ct) => c.Run(() => ChecksumRefresh.RunAsync(CatalogOptions.Load(r), r.GetValue(PlanOptionSet.DownloadMirror), r.GetValue(Write), c.Output, ct)));
        return command;
    }
}
