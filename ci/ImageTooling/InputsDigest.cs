using System.Security.Cryptography;
using System.Text;
using ImageTooling.Catalog;

namespace ImageTooling;

/// <summary>
/// What a build node is made from, as one sha256: the files of its Dockerfile context (the image's
/// folder and images/common), its build arguments, its base image reference, its platform and the
/// inputs digest of its base node. Every engine writes it into the image as the label
/// <see cref="Label"/>, so that a registry tag can be compared with a build without the config digest,
/// which not every engine reports. Labels are not inputs: <c>created</c> changes with the clock and
/// would keep a re-run from converging.
/// </summary>
public static class InputsDigest
{
    public const string Label = "io.github.image-tooling.inputs";

    public const string CommonFolder = "common";

    public static string For(ImageCatalog catalog, ImageDefinition image, Platform platform, string? baseImage,
        IReadOnlyDictionary<string, string> buildArgs, string? baseInputs)
    {
        var text = new StringBuilder();
        void Add(string key, string value) => text.Append(key).Append('\0').Append(value.Length).Append('\0').Append(value).Append('\n');

        Add("platform", platform.ToString());
        Add("base-image", baseImage ?? "");
        Add("base-inputs", baseInputs ?? "");
        foreach (var (name, value) in buildArgs.OrderBy(a => a.Key, StringComparer.Ordinal))
            Add($"arg:{name}", value);
        foreach (var folder in new[] { image.Folder, CommonFolder })
        {
            var root = Path.Combine(catalog.Directory, folder);
            if (!Directory.Exists(root)) continue;
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                         .Select(f => Path.GetRelativePath(catalog.Directory, f).Replace('\\', '/'))
                         .Order(StringComparer.Ordinal))
                Add($"file:{file}", Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(catalog.Directory, file)))));
        }
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
