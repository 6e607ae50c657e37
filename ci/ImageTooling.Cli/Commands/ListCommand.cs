using System.CommandLine;
using System.Text.Json;

namespace ImageTooling.Cli;

/// <summary><c>imagetool list</c>: the images, their tools and pinned versions; <c>--json</c>: the image names (the CI matrix).</summary>
internal static class ListCommand
{
    private static readonly Option<bool> Markdown = new("--markdown") { Description = "Print a Markdown table (the README's image table)" };

    public static Command Create(CommandContext c)
    {
        var command = new Command("list", "List the images, their tools and pinned versions; --json: the image names (the CI matrix)") { Markdown, OutputOptions.Json };
        command.SetAction(r => c.Run(() =>
        {
            var catalog = CatalogOptions.Load(r);
            c.Output.Write(r.GetValue(OutputOptions.Json)
                ? JsonSerializer.Serialize(catalog.Images.Select(i => i.Name)) + "\n"
                : Reports.Listing(catalog, r.GetValue(Markdown)));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
