using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace ImageTooling.EndToEnd;

/// <summary>
/// What users pull: after the shared release, every published index is pulled back from the registry per
/// platform (skopeo, as a client would), and every downloaded tool's binary in it is an ELF file for that
/// platform's machine. Here the binaries are the harness's stand-ins, compiled per architecture; the check
/// is the same one that catches an amd64 download in an arm64 image.
/// </summary>
[Collection(nameof(HarnessCollection))]
public sealed class PublishedBinariesTests(Harness harness, ITestOutputHelper output)
{
    private static readonly byte[] ElfMagic = [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    private static readonly Dictionary<string, ushort> ElfMachine = new() { ["amd64"] = 62, ["arm64"] = 183 };

    [Fact]
    public async Task Every_downloaded_binary_of_every_published_platform_is_built_for_that_platform_and_floating_tags_match()
    {
        var result = harness.Release(output);
        Assert.Equal(0, result.Exit);
        using var registry = new RegistryClient();
        var checkedBinaries = 0;
        foreach (var image in harness.Catalog.Images)
        {
            var repository = ImageReference.Parse($"{harness.ReleaseNamespace}/{image.Name}");
            var version = await registry.GetIndexAsync(repository.WithTag("v1.2.3"), harness.Credentials, CancellationToken.None);
            Assert.NotNull(version);
            foreach (var floating in new[] { "v1.2", "v1", "latest" })
                Assert.Equal(version!.Digest, (await registry.GetIndexAsync(repository.WithTag(floating), harness.Credentials, CancellationToken.None))?.Digest);

            var binaries = ImageCatalog.Downloaded(harness.Catalog.AllToolsOf(image)).Select(d => d.Tool).Where(t => t.Binary is not null).ToList();
            if (binaries.Count == 0) continue; // e.g. pandoc: Debian packages only
            foreach (var platform in image.Platforms.Where(harness.Platforms.Contains))
            {
                var files = Pull($"{repository}:v1.2.3", platform.Architecture, binaries.Select(t => t.Binary!).ToList());
                foreach (var tool in binaries)
                {
                    Assert.True(files.TryGetValue(tool.Binary!, out var header), $"{image.Name} {platform}: {tool.Binary} is not in the published image");
                    Assert.True(header.AsSpan(0, 4).SequenceEqual(ElfMagic), $"{image.Name} {platform}: {tool.Binary} is not an ELF file");
                    var machine = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(18, 2));
                    Assert.True(machine == ElfMachine[platform.Architecture],
                        $"{image.Name} {platform}: {tool.Binary} is for ELF machine {machine}, expected {ElfMachine[platform.Architecture]}");
                    checkedBinaries++;
                }
                output.WriteLine($"{repository}:v1.2.3 {platform}: {string.Join(", ", binaries.Select(t => t.Name))} are {platform.Architecture} ELF files");
            }
        }
        Assert.True(checkedBinaries > 0, "no downloaded binary was checked");
    }

    /// <summary>Pulls one platform of a reference into an OCI layout and returns the first 64 bytes of each wanted file, as the image's layers leave it.</summary>
    private Dictionary<string, byte[]> Pull(string reference, string architecture, IReadOnlyList<string> wanted)
    {
        var temp = Directory.CreateTempSubdirectory("imagetool-e2e-pull-");
        try
        {
            var layout = Path.Combine(temp.FullName, "oci");
            var copy = harness.Skopeo("copy", "--src-tls-verify=false", "--override-os", "linux", "--override-arch", architecture,
                $"docker://{reference}", $"oci:{layout}:pulled");
            Assert.True(copy.ExitCode == 0, copy.ToString());

            string Blob(string digest) => Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]);
            using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(layout, "index.json")));
            var manifestDigest = index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
            using var manifest = JsonDocument.Parse(File.ReadAllText(Blob(manifestDigest)));
            var found = new Dictionary<string, byte[]>();
            foreach (var layer in manifest.RootElement.GetProperty("layers").EnumerateArray())
            {
                var mediaType = layer.GetProperty("mediaType").GetString()!;
                Assert.True(mediaType.EndsWith("tar+gzip", StringComparison.Ordinal) || mediaType.EndsWith(".tar", StringComparison.Ordinal),
                    $"{reference} ({architecture}): a layer of media type {mediaType} cannot be read here");
                using var file = File.OpenRead(Blob(layer.GetProperty("digest").GetString()!));
                using Stream stream = mediaType.EndsWith("gzip", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
                using var tar = new TarReader(stream);
                while (tar.GetNextEntry() is { } entry)
                {
                    var path = "/" + entry.Name.TrimStart('.').TrimStart('/');
                    if (!wanted.Contains(path) || entry.DataStream is null) continue;
                    var header = new byte[64];
                    entry.DataStream.ReadExactly(header);
                    found[path] = header; // a later layer's file replaces an earlier one's
                }
            }
            return found;
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }
}
