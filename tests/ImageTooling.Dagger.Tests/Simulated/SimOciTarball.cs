using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ImageTooling.Dagger.Tests.Simulated;

/// <summary>
/// What the simulated session writes for <c>asTarball(forcedCompression: Gzip, mediaTypes: OCIMediaTypes)</c> and
/// <c>export</c>: an OCI image layout as a tarball (<c>oci-layout</c>, <c>index.json</c> naming one image manifest,
/// <c>blobs/sha256/</c>). The image is a STAND-IN: one gzip layer holding a single file that names the build, and a
/// config with the build's platform and the container's labels. Nothing was built; the same build and labels always
/// give the same bytes, as an image the engine answers from its cache does.
/// </summary>
internal static class SimOciTarball
{
    public const string ManifestType = "application/vnd.oci.image.manifest.v1+json";
    public const string ConfigType = "application/vnd.oci.image.config.v1+json";
    public const string LayerType = "application/vnd.oci.image.layer.v1.tar+gzip";

    /// <summary>Writes the tarball to <paramref name="path"/>; returns the image manifest's digest.</summary>
    public static string Write(BuildCall build, IReadOnlyDictionary<string, string> labels, string path)
    {
        var (os, architecture) = (build.Platform.Split('/')[0], build.Platform.Split('/')[1]);
        var layerTar = Tar([("etc/simulated-build", Encoding.UTF8.GetBytes($"simulated build {build.Key}\n"))]);
        var layer = Gzip(layerTar);
        var config = JsonSerializer.SerializeToUtf8Bytes(new
        {
            architecture,
            os,
            config = new { Labels = new SortedDictionary<string, string>(labels.ToDictionary(), StringComparer.Ordinal) },
            rootfs = new { type = "layers", diff_ids = new[] { Digest(layerTar) } },
        });
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new
        {
            schemaVersion = 2,
            mediaType = ManifestType,
            config = new { mediaType = ConfigType, digest = Digest(config), size = config.Length },
            layers = new[] { new { mediaType = LayerType, digest = Digest(layer), size = layer.Length } },
        });
        var index = JsonSerializer.SerializeToUtf8Bytes(new
        {
            schemaVersion = 2,
            mediaType = "application/vnd.oci.image.index.v1+json",
            manifests = new[] { new { mediaType = ManifestType, digest = Digest(manifest), size = manifest.Length, platform = new { architecture, os } } },
        });
        var entries = new List<(string, byte[])>
        {
            ("oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray()),
            ("index.json", index),
        };
        foreach (var blob in new[] { layer, config, manifest })
            entries.Add(($"blobs/sha256/{Digest(blob)["sha256:".Length..]}", blob));
        File.WriteAllBytes(path, Tar(entries));
        return Digest(manifest);
    }

    public static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A tar of regular files with fixed times and owners, so the same files give the same bytes.</summary>
    private static byte[] Tar(IEnumerable<(string Name, byte[] Contents)> files)
    {
        using var stream = new MemoryStream();
        using (var tar = new TarWriter(stream, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (name, contents) in files)
                tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name)
                {
                    DataStream = new MemoryStream(contents),
                    ModificationTime = DateTimeOffset.UnixEpoch,
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                });
        }
        return stream.ToArray();
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var stream = new MemoryStream();
        using (var gzip = new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(bytes);
        return stream.ToArray();
    }
}
