using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using ImageTooling.Catalog;

namespace ImageTooling.Harness;

/// <summary>
/// STAND-INS for the upstream release downloads, which this machine cannot reach. For every download
/// in the catalog and every architecture it compiles a small static ELF binary for that architecture
/// (standin.c) that prints the tool's expected version line, packs it the way upstream does (raw
/// binary or archive with the binary at the catalog's archive-path), and publishes checksum files
/// at the upstream checksum URLs. The output is byte-for-byte reproducible, so warm runs hit the
/// build cache.
/// </summary>
public sealed class StandInReleases
{
    public required string Root { get; init; }
    /// <summary>(tool, arch) → sha256 of the stand-in artifact.</summary>
    public required IReadOnlyDictionary<(string Tool, string Arch), string> Sha256 { get; init; }

    private static readonly Dictionary<string, string> Compilers = new() { ["amd64"] = "gcc", ["arm64"] = "aarch64-linux-gnu-gcc" };

    public static StandInReleases Create(ImageCatalog catalog, string root)
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        var hashes = new Dictionary<(string, string), string>();
        var checksumFiles = new Dictionary<string, List<string>>();
        foreach (var tool in catalog.Tools.Values.Where(t => t.Download is not null))
        {
            var download = tool.Download!;
            foreach (var arch in new[] { "amd64", "arm64" })
            {
                if (!Platform.TryParse($"linux/{arch}", out var platform)) throw new InvalidOperationException(arch);
                var url = tool.Render(download.Url, platform);
                var artifact = Path.Combine(root, PathOf(url)[1..]);
                Directory.CreateDirectory(Path.GetDirectoryName(artifact)!);
                var binary = Compile(tool, arch, root);
                if (download.ArchivePath is null)
                    File.Copy(binary, artifact);
                else
                    WriteTarGz(artifact, tool.Render(download.ArchivePath, platform), binary);
                File.Delete(binary);
                var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(artifact)));
                hashes[(tool.Name, arch)] = sha;

                if (download.ChecksumsUrl is not null)
                {
                    var checksumsUrl = tool.Render(download.ChecksumsUrl, platform);
                    var path = Path.Combine(root, PathOf(checksumsUrl)[1..]);
                    // A checksum file beside the artifact (kubectl.sha256) holds the bare hash; a shared one lists files.
                    var line = checksumsUrl == url + ".sha256" ? sha : $"{sha}  {url[(url.LastIndexOf('/') + 1)..]}";
                    if (!checksumFiles.TryGetValue(path, out var lines)) checksumFiles[path] = lines = [];
                    lines.Add(line);
                }
            }
        }
        foreach (var (path, lines) in checksumFiles)
            File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return new StandInReleases { Root = root, Sha256 = hashes };
    }

    /// <summary>Where an upstream URL is served on the mirror: https://HOST/PATH is /HOST/PATH.</summary>
    public static string PathOf(string url) => "/" + url["https://".Length..].Replace("%2F", "/", StringComparison.Ordinal);

    /// <summary>The file served for an upstream URL.</summary>
    public string FileOf(string url) => Path.Combine(Root, PathOf(url)[1..]);

    private static string Compile(Tool tool, string arch, string root)
    {
        var output = Path.Combine(root, $".{tool.Name}-{arch}");
        var source = Path.Combine(AppContext.BaseDirectory, "standin.c");
        List<string> args = ["-static", "-Os", "-s", $"-DOUTPUT=\"{tool.Render(tool.Expect).Replace("\"", "\\\"", StringComparison.Ordinal)}\"", "-o", output, source];
        // The Docker CLI dispatches `docker buildx ...` to its plugin; its stand-in does the same.
        if (tool.Name == "docker") args.Insert(0, "-DPLUGIN_DIR=\"/usr/local/lib/docker/cli-plugins\"");
        var result = ChildRun(Compilers[arch], args);
        if (result.Exit != 0) throw new InvalidOperationException($"compiling the {arch} stand-in for {tool.Name} failed (the harness installs gcc and gcc-aarch64-linux-gnu): {result.Output}");
        return output;
    }

    private static void WriteTarGz(string path, string entryName, string binary)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Optimal);
        using var tar = new TarWriter(gzip, TarEntryFormat.Ustar);
        var entry = new UstarTarEntry(TarEntryType.RegularFile, entryName)
        {
            DataStream = File.OpenRead(binary),
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
            ModificationTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
        };
        tar.WriteEntry(entry);
        entry.DataStream.Dispose();
    }

    private static (int Exit, string Output) ChildRun(string program, IEnumerable<string> args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error);
    }

    /// <summary>A copy of images/ whose catalog pins the stand-ins' hashes where it pins the real ones.</summary>
    public string CatalogCopy(ImageCatalog catalog, string target)
    {
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        foreach (var file in Directory.GetFiles(catalog.Directory, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(target, Path.GetRelativePath(catalog.Directory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
            File.SetUnixFileMode(dest, File.GetUnixFileMode(file));
        }
        var path = Path.Combine(target, CatalogLoader.FileName);
        var text = File.ReadAllText(path);
        foreach (var tool in catalog.Tools.Values.Where(t => t.Download is not null))
            foreach (var (arch, real) in tool.Download!.Sha256)
                text = text.Replace(real, Sha256[(tool.Name, arch)], StringComparison.Ordinal);
        File.WriteAllText(path, text);
        return target;
    }
}
