using System.CommandLine;

namespace ImageTooling.Cli;

/// <summary><c>imagetool dagger-version</c>: the Dagger version the catalog pins, checked against dagger.json.</summary>
internal static class DaggerVersionCommand
{
    public static Command Create(CommandContext c)
    {
        var command = new Command("dagger-version", "Print the Dagger version pinned in images/catalog.yaml; fails when dagger.json's engineVersion disagrees");
        command.SetAction(r => c.Run(() =>
        {
            var catalog = CatalogOptions.Load(r);
            c.Output.WriteLine(DaggerVersion.Of(catalog, Repository.DaggerJson(catalog)));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
