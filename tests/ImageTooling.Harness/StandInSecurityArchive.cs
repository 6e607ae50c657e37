using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ImageTooling.Harness;

/// <summary>
/// A stand-in for Debian's security archive that holds a fix every image lacks: an apt repository (suite
/// <c>trixie-security</c>, unsigned, so its source line says <c>[trusted=yes]</c>) whose index lists
/// <see cref="Package"/> at a version above any Debian ships. apt reads only the indexes to say what is upgradable, so
/// the index is all there is: an image checked against it has exactly one pending security fix, that package.
/// </summary>
public sealed class StandInSecurityArchive
{
    public const string Suite = "trixie-security";

    /// <summary>Essential in every Debian image, so every image "lacks" the fix.</summary>
    public const string Package = "base-files";

    public const string FixedVersion = "99:1";

    private StandInSecurityArchive(string root) => Root = root;

    /// <summary>The folder to serve over HTTP; the archive's root is the served root.</summary>
    public string Root { get; }

    /// <summary>The apt source line for the archive served at <paramref name="url"/>.</summary>
    public static string SourceLine(string url) => $"deb [trusted=yes] {url} {Suite} main";

    public static StandInSecurityArchive Create(string root, IReadOnlyList<string> architectures)
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        var dists = Path.Combine(root, "dists", Suite);
        var hashes = new StringBuilder();
        foreach (var arch in architectures)
        {
            var index = $"main/binary-{arch}/Packages";
            var text = $"""
                Package: {Package}
                Version: {FixedVersion}
                Architecture: {arch}
                Maintainer: Image Tooling end-to-end tests <harness@localhost>
                Installed-Size: 1
                Filename: pool/main/b/{Package}/{Package}_99_{arch}.deb
                Size: 1
                SHA256: {new string('0', 64)}
                Description: stand-in for a security fix the images lack

                """;
            var bytes = Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n"));
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dists, index))!);
            File.WriteAllBytes(Path.Combine(dists, index), bytes);
            hashes.Append(CultureInfo.InvariantCulture, $" {Convert.ToHexStringLower(SHA256.HashData(bytes))} {bytes.Length} {index}\n");
        }
        var release = $"""
            Origin: Debian
            Label: Debian-Security
            Suite: {Suite}
            Codename: {Suite}
            Date: {DateTimeOffset.UtcNow.AddDays(-1).ToString("ddd, dd MMM yyyy HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)}
            Architectures: {string.Join(' ', architectures)}
            Components: main
            Description: stand-in security archive of the end-to-end tests
            SHA256:
            """.ReplaceLineEndings("\n") + "\n" + hashes;
        File.WriteAllText(Path.Combine(dists, "Release"), release);
        return new StandInSecurityArchive(root);
    }
}
