using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ImageTooling.Catalog;

namespace ImageTooling.Harness;

/// <summary>
/// The upstream release downloads, which this machine cannot reach, served from what it has: for a tool
/// Debian builds (<see cref="RealTool"/>: kubectl, kustomize, the Docker CLI, buildx) the REAL binary of
/// Debian's package, at Debian's version; for every other download a STAND-IN, a small static ELF binary
/// compiled for the architecture (standin.c) that prints the tool's expected version line. Each is packed
/// the way upstream packs it (raw binary or archive with the binary at the catalog's archive-path), and
/// checksum files are published at the upstream checksum URLs. The output is byte-for-byte reproducible,
/// so warm runs hit the build cache.
/// </summary>
public sealed class StandInReleases
{
    public required string Root { get; init; }
    /// <summary>(tool, arch) → sha256 of the served artifact.</summary>
    public required IReadOnlyDictionary<(string Tool, string Arch), string> Sha256 { get; init; }
    /// <summary>The downloads served as real binaries, by tool.</summary>
    public required IReadOnlyDictionary<string, RealTool> Real { get; init; }
    /// <summary>The downloaded tools served as stand-ins (imagetool's <c>--stand-in-downloads</c>).</summary>
    public required IReadOnlyList<string> StandInTools { get; init; }

    /// <summary>The C compiler for an architecture: the machine's own, else the cross compiler provision.sh installs for a foreign platform.</summary>
    private static string Compiler(string arch) =>
        arch == HarnessEnvironment.NativeArchitecture ? "gcc" : arch == "arm64" ? "aarch64-linux-gnu-gcc" : "x86_64-linux-gnu-gcc";

    /// <param name="architectures">The architectures to serve (the provisioned platforms'); the others' downloads are absent.</param>
    public static StandInReleases Create(ImageCatalog catalog, string root, IReadOnlyDictionary<string, RealTool> real, IReadOnlyList<string> architectures)
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        var hashes = new Dictionary<(string, string), string>();
        var checksumFiles = new Dictionary<string, List<string>>();
        foreach (var (catalogTool, download) in catalog.Downloads)
        {
            var isReal = real.TryGetValue(catalogTool.Name, out var realTool);
            var tool = isReal ? catalogTool with { Version = realTool!.Version, Expect = realTool.Expect } : catalogTool;
            foreach (var arch in architectures)
            {
                var platform = Platform.KnownOrNull($"linux/{arch}") ?? throw new InvalidOperationException(arch);
                var url = tool.Render(download.Url, platform);
                var artifact = Path.Combine(root, PathOf(url)[1..]);
                Directory.CreateDirectory(Path.GetDirectoryName(artifact)!);
                var binary = isReal ? realTool!.Binaries[arch] : Compile(tool, arch, root);
                if (download.ArchivePath is null)
                    File.Copy(binary, artifact);
                else
                    WriteTarGz(artifact, tool.Render(download.ArchivePath, platform), binary);
                if (!isReal) File.Delete(binary);
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
        var standIns = catalog.Downloads.Select(d => d.Tool.Name).Where(name => !real.ContainsKey(name)).ToList();
        return new StandInReleases { Root = root, Sha256 = hashes, Real = real, StandInTools = standIns };
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
        var result = ChildRun(Compiler(arch), args);
        if (result.Exit != 0) throw new InvalidOperationException($"compiling the {arch} stand-in for {tool.Name} with {Compiler(arch)} failed (provision.sh installs gcc, and a cross compiler for a foreign platform): {result.Output}");
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

    /// <summary>Replaces the <c>version:</c> and <c>expect:</c> lines of one tool's entry in the catalog text.</summary>
    private static string PinVersion(string text, Tool tool, RealTool real)
    {
        var start = text.IndexOf($"\n  {tool.Name}:\n", StringComparison.Ordinal);
        if (start < 0) throw new InvalidOperationException($"no entry for {tool.Name} in the catalog copy");
        // The entry ends where the next two-space key (the next tool, or `images:`) starts.
        var next = Regex.Match(text[(start + 1)..], @"\n {0,2}[a-z0-9-]+:\n");
        var end = next.Success ? start + 1 + next.Index : text.Length;
        var entry = text[start..end];
        var pinned = Regex.Replace(entry, @"\n    version: .*", $"\n    version: \"{real.Version}\"");
        pinned = Regex.Replace(pinned, @"\n    expect: .*", $"\n    expect: \"{real.Expect}\"");
        return text[..start] + pinned + text[end..];
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

    /// <summary>
    /// A copy of images/ whose catalog pins the served files' hashes where it pins upstream's, and gives each
    /// real tool Debian's version and version output.
    /// </summary>
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
        foreach (var (tool, download) in catalog.Downloads)
            foreach (var (arch, pinned) in download.Sha256)
                if (Sha256.TryGetValue((tool.Name, arch), out var served)) text = text.Replace(pinned, served, StringComparison.Ordinal);
        foreach (var tool in Real.Values)
            text = PinVersion(text, catalog.Tools[tool.Name], tool);
        File.WriteAllText(path, text);
        return target;
    }
}
