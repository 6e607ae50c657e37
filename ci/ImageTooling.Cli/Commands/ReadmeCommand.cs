using System.CommandLine;
using ImageTooling.Catalog;

namespace ImageTooling.Cli;

/// <summary><c>imagetool readme</c>: README.md's image table against the catalog (<see cref="ReadmeTable"/>).</summary>
internal static class ReadmeCommand
{
    private static readonly Option<bool> Write = new("--write") { Description = "Rewrite the table between the README's markers" };
    private static readonly Option<string?> ReadmePath = new("--readme") { Description = "The README to check or write (default: README.md beside the images folder)" };

    public static Command Create(CommandContext c)
    {
        var command = new Command("readme", "Check README.md's image table against the catalog; --write regenerates it") { Write, ReadmePath };
        command.SetAction(r => c.Run(() =>
        {
            var images = CatalogOptions.Directory(r);
            var path = r.GetValue(ReadmePath) ?? Path.Combine(images, "..", "README.md");
            return ReadmeTable.Run(CatalogLoader.Load(images), Path.GetFullPath(path), r.GetValue(Write), c.Output);
        }));
        return command;
    }
}
