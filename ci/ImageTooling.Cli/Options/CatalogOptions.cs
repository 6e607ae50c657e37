using System.CommandLine;
using ImageTooling.Catalog;

namespace ImageTooling.Cli;

/// <summary>--images-dir, on the root and so on every command: where the catalog and the Dockerfiles are.</summary>
internal static class CatalogOptions
{
    public static readonly Option<string?> ImagesDir = new("--images-dir") { Description = "The folder holding catalog.yaml and the Dockerfiles (default: images/ of the repository)", Recursive = true };

    public static string Directory(ParseResult r) => Repository.ImagesDirectory(r.GetValue(ImagesDir));

    public static ImageCatalog Load(ParseResult r) => CatalogLoader.Load(Directory(r));
}
