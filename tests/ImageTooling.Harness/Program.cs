using ImageTooling.Catalog;
using ImageTooling.Harness;

// imagetool-harness serve-standins WORKDIR PORT
//   Generates the release downloads for images/catalog.yaml under WORKDIR/releases (Debian's real
//   binaries where tests/harness/provision.sh extracted them, stand-ins for the rest), a copy of images/
//   that pins their hashes and versions under WORKDIR/images, serves WORKDIR/releases on 127.0.0.1:PORT,
//   prints "ready IMAGES_DIR MIRROR_URL STAND_IN_TOOL,..." and serves until stdin closes or it is killed.
if (args is not ["serve-standins", var work, var portText] || !int.TryParse(portText, out var port))
{
    Console.Error.WriteLine("usage: imagetool-harness serve-standins WORKDIR PORT");
    return 2;
}
var root = Directory.GetCurrentDirectory();
var catalog = CatalogLoader.Load(Path.Combine(root, "images"));
var real = RealTool.Load(Path.Combine(root, "tests", "harness", "real-tools.tsv"), RealTool.CacheDirectory(), Platform.Architectures);
var standIns = StandInReleases.Create(catalog, Path.Combine(work, "releases"), real);
var images = standIns.CatalogCopy(catalog, Path.Combine(work, "images"));
using var server = new StaticFileServer(standIns.Root, port);
Console.WriteLine($"ready {images} {server.Url} {string.Join(',', standIns.StandInTools)}");
await Console.In.ReadToEndAsync();
await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
return 0;
