using System.Globalization;
using System.Text.RegularExpressions;

namespace ImageTooling.Catalog;

/// <summary>
/// Reads <c>images/catalog.yaml</c> and refuses anything contradictory, naming file, line and column.
/// </summary>
public static partial class CatalogLoader
{
    public const string FileName = "catalog.yaml";

    public static ImageCatalog Load(string imagesDirectory)
    {
        var path = Path.Combine(imagesDirectory, FileName);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputError($"{path}: cannot read the image catalog: {e.Message}");
        }
        return Parse(path, text, imagesDirectory);
    }

    public static ImageCatalog Parse(string file, string text, string imagesDirectory)
    {
        var root = YamlNode.Load(file, text);
        string[] keys = ["registry", "source", "license", "base-images", "security-check", "tools", "images"];
        var registry = root.Required("registry", "the catalog", keys).Scalar("registry");
        var source = root.Required("source", "the catalog", keys).Scalar("source");
        var license = root.Required("license", "the catalog", keys).Scalar("license");

        var baseImages = new Dictionary<string, string>();
        foreach (var (name, value, _) in root.Required("base-images", "the catalog", keys).Entries("base-images"))
        {
            var reference = value.Scalar($"base image '{name}'");
            if (!PinnedReference().IsMatch(reference))
                throw value.Error($"base image '{name}' must be pinned by tag and digest (name:tag@sha256:<64 hex>), "
                    + $"got '{reference}'");
            baseImages[name] = reference;
        }

        var tools = new Dictionary<string, Tool>();
        foreach (var (name, value, spot) in root.Required("tools", "the catalog", keys).Entries("tools"))
            tools[name] = ReadTool(name, value, spot);

        var images = root.Required("images", "the catalog", keys).Entries("images")
            .Select(e => ReadImage(e.Key, e.Value, e.Spot, tools, baseImages, imagesDirectory))
            .ToList();
        var securityNode = root.Required("security-check", "the catalog", keys);
        var securityCheck = ReadSmokeTest(securityNode, "the security check", "security-check", null, null);
        if (!securityCheck.Network)
            throw securityNode.Error("the security check asks Debian's security archive: give it 'network: true'");
        var catalog = new ImageCatalog(imagesDirectory, registry, source, license, baseImages, tools, images) { SecurityCheck = securityCheck };
        CheckBases(catalog, root);
        return catalog;
    }

    private static Tool ReadTool(string name, YamlNode node, SourceSpot spot)
    {
        string[] keys = ["version", "check", "expect", "binary", "completion", "download", "debian", "smoke"];
        CheckName(name, node, "tool");
        var versionNode = node.Required("version", $"tool '{name}'", keys);
        var version = versionNode.Scalar($"the version of tool '{name}'");
        var floating = version.Contains("latest", StringComparison.OrdinalIgnoreCase) || version.Contains('*');
        if (version.Length == 0 || floating)
            throw versionNode.Error($"tool '{name}' must pin an exact version, got '{version}'");
        var check = node.Required("check", $"tool '{name}'", keys).Scalar($"the check command of tool '{name}'");
        var expect = node.Required("expect", $"tool '{name}'", keys)
            .Scalar($"the expected check output of tool '{name}'");
        var binary = node.Optional("binary", $"tool '{name}'", keys)?.Scalar($"the binary of tool '{name}'");
        var completion = node.Optional("completion", $"tool '{name}'", keys)?.Scalar($"the completion command of tool '{name}'");
        var downloadNode = node.Optional("download", $"tool '{name}'", keys);
        var debianNode = node.Optional("debian", $"tool '{name}'", keys);
        if ((downloadNode is null) == (debianNode is null))
            throw node.Error($"tool '{name}' must come from exactly one of 'download' (an upstream release) or "
                + "'debian' (a package)");
        string[] debKeys = ["package", "version"];
        ToolSource source = downloadNode is not null
            ? ReadDownload(name, downloadNode)
            : new DebianPackage(
                debianNode!.Required("package", $"the debian source of '{name}'", debKeys).Scalar("package"),
                debianNode.Required("version", $"the debian source of '{name}'", debKeys).Scalar("version"));
        var smoke = ReadSmokeTests(node.Optional("smoke", $"tool '{name}'", keys), $"tool '{name}'", name, tools: null);
        return new Tool(name, version, check, expect, binary, source, smoke, spot) { Completion = completion };
    }

    private static Download ReadDownload(string tool, YamlNode node)
    {
        string[] keys = ["url", "archive-path", "checksums", "sha256", "arch"];
        var url = node.Required("url", $"the download of '{tool}'", keys).Scalar("url");
        var archivePath = node.Optional("archive-path", $"the download of '{tool}'", keys)?.Scalar("archive-path");
        string[] archives = [".tar.gz", ".tgz", ".zip"];
        var isArchive = archives.Any(suffix => url.EndsWith(suffix, StringComparison.Ordinal));
        if (isArchive != (archivePath is not null))
            throw node.Error(isArchive
                ? $"the download of '{tool}' is an archive: give 'archive-path', the path of the binary inside it"
                : $"the download of '{tool}' is not an archive, so it takes no 'archive-path'");
        if (!url.StartsWith("https://", StringComparison.Ordinal))
            throw node.Error($"the download of '{tool}' must use https, got '{url}'");
        if (!url.Contains("{version}") || !url.Contains("{arch}"))
            throw node.Error($"the download URL of '{tool}' must contain {{version}} and {{arch}} so that it follows "
                + "the catalog's version and the target architecture");
        var checksums = node.Optional("checksums", $"the download of '{tool}'", keys)?.Scalar("checksums");
        var sha256 = new Dictionary<string, string>();
        var shaNode = node.Optional("sha256", $"the download of '{tool}'", keys);
        if (shaNode is not null)
        {
            foreach (var (arch, value, _) in shaNode.Entries($"the sha256 of '{tool}'", Platform.Architectures))
            {
                var hash = value.Scalar("sha256");
                if (!Sha256().IsMatch(hash))
                    throw value.Error($"the sha256 of '{tool}' for {arch} must be 64 lowercase hex digits");
                sha256[arch] = hash;
            }
        }
        var archNames = new Dictionary<string, string>();
        var archNode = node.Optional("arch", $"the download of '{tool}'", keys);
        if (archNode is not null)
            foreach (var (arch, value, _) in archNode.Entries($"the arch names of '{tool}'", Platform.Architectures))
                archNames[arch] = value.Scalar("arch name");
        if (checksums is null)
        {
            var missing = Platform.Architectures.Where(a => !sha256.ContainsKey(a)).ToList();
            if (missing.Count > 0)
                throw node.Error($"the download of '{tool}' has no checksum source for {string.Join(", ", missing)}: "
                    + "give 'checksums' (the upstream checksum file) or 'sha256' per architecture");
        }
        else if (!checksums.StartsWith("https://", StringComparison.Ordinal))
            throw node.Error($"the checksum file of '{tool}' must use https, got '{checksums}'");
        return new Download(url, archivePath, checksums, sha256, archNames);
    }

    /// <param name="tool">The tool that owns these tests; null for an image's own tests.</param>
    /// <param name="tools">The catalog's tools, which an image's test may name as the real tool it needs.</param>
    private static List<SmokeTest> ReadSmokeTests(YamlNode? node, string owner, string? tool, IReadOnlyDictionary<string, Tool>? tools)
    {
        if (node is null) return [];
        var tests = new List<SmokeTest>();
        foreach (var item in node.Items($"the smoke tests of {owner}"))
        {
            var test = ReadSmokeTest(item, $"a smoke test of {owner}", null, tool, tools);
            if (tests.Any(t => t.Name == test.Name)) throw item.Error($"duplicate smoke test '{test.Name}' in {owner}");
            tests.Add(test);
        }
        return tests;
    }

    /// <param name="fixedName">The name of a test the catalog names by its key (the security check); null: the test's <c>name</c>.</param>
    private static SmokeTest ReadSmokeTest(YamlNode item, string what, string? fixedName, string? tool, IReadOnlyDictionary<string, Tool>? tools)
    {
        string[] keys = fixedName is null ? ["name", "run", "expect", "user", "needs-real-tool", "mount", "network"] : ["run", "expect", "user", "network"];
        var name = fixedName ?? item.Required("name", what, keys).Scalar("name");
        var realNode = fixedName is null ? item.Optional("needs-real-tool", $"smoke test '{name}'", keys) : null;
        var (real, testTool) = NeedsRealTool(realNode, tool, tools);
        var network = item.Optional("network", $"smoke test '{name}'", keys)?.Scalar("network") switch
        {
            null or "false" => false,
            "true" => true,
            var other => throw item.Error($"network of smoke test '{name}' must be true or false, got '{other}'"),
        };
        return new SmokeTest(
            name,
            item.Required("run", $"smoke test '{name}'", keys).Scalar("run"),
            item.Required("expect", $"smoke test '{name}'", keys).Scalar("expect"),
            item.Optional("user", $"smoke test '{name}'", keys)?.Scalar("user"),
            real,
            testTool,
            fixedName is null ? ReadMount(item.Optional("mount", $"smoke test '{name}'", keys), name) : null,
            network);
    }

    /// <summary>A tool's own test says <c>needs-real-tool: true</c>; an image's test names the tool it needs.</summary>
    private static (bool Needs, string? Tool) NeedsRealTool(YamlNode? node, string? tool, IReadOnlyDictionary<string, Tool>? tools)
    {
        var value = node?.Scalar("needs-real-tool");
        if (value is null or "false") return (false, tool);
        if (tool is not null)
            return value == "true" ? (true, tool) : throw node!.Error($"needs-real-tool must be true or false, got '{value}'");
        return tools is not null && tools.ContainsKey(value)
            ? (true, value)
            : throw node!.Error($"needs-real-tool of an image's smoke test names the tool it needs (one of: "
                + $"{string.Join(", ", tools?.Keys ?? [])}), got '{value}'");
    }

    private static SmokeMount? ReadMount(YamlNode? node, string test)
    {
        if (node is null) return null;
        string[] keys = ["path", "read-only", "files"];
        var what = $"the mount of smoke test '{test}'";
        var pathNode = node.Required("path", what, keys);
        var path = pathNode.Scalar("path");
        if (!path.StartsWith('/') || path == "/" || path.Contains("..", StringComparison.Ordinal))
            throw pathNode.Error($"{what} must be an absolute path below /, got '{path}'");
        var readOnlyNode = node.Required("read-only", what, keys);
        var readOnly = readOnlyNode.Scalar("read-only") switch
        {
            "true" => true,
            "false" => false,
            var other => throw readOnlyNode.Error($"read-only must be true or false, got '{other}'"),
        };
        var files = new Dictionary<string, string>();
        foreach (var (file, value, spot) in node.Required("files", what, keys).Entries($"the files of {what}"))
        {
            if (!MountedFileName().IsMatch(file))
                throw new InputError($"{spot}: a mounted file name is one path segment (letters, digits, '.', '_', '-'), got '{file}'");
            files[file] = value.Scalar($"the contents of {file}");
        }
        return new SmokeMount(path, readOnly, files);
    }

    private static ImageDefinition ReadImage(
        string name, YamlNode node, SourceSpot spot, Dictionary<string, Tool> tools,
        Dictionary<string, string> baseImages, string imagesDirectory)
    {
        string[] keys = ["description", "folder", "base", "from", "platforms", "tools", "smoke", "expected-build-seconds"];
        CheckName(name, node, "image");
        var what = $"image '{name}'";
        var description = node.Required("description", what, keys).Scalar("description");
        var folderNode = node.Optional("folder", what, keys);
        var folder = folderNode?.Scalar("folder") ?? name;
        var baseNode = node.Optional("base", what, keys);
        var fromNode = node.Optional("from", what, keys);
        if ((baseNode is null) == (fromNode is null))
            throw node.Error($"{what} must name exactly one of 'base' (another image of the catalog) "
                + "or 'from' (a pinned base image)");
        var from = fromNode?.Scalar("from");
        if (from is not null && !baseImages.ContainsKey(from))
            throw fromNode!.Error($"{what} starts from unknown base image '{from}' (known: "
                + $"{string.Join(", ", baseImages.Keys)})");

        var platformsNode = node.Required("platforms", what, keys);
        var platforms = new List<Platform>();
        foreach (var item in platformsNode.Items($"the platforms of {what}"))
        {
            var text = item.Scalar("platform");
            var platform = Platform.KnownOrNull(text)
                ?? throw item.Error($"unknown platform '{text}' (known: {string.Join(", ", Platform.Known)})");
            if (platforms.Contains(platform)) throw item.Error($"platform '{text}' is listed twice");
            platforms.Add(platform);
        }
        if (platforms.Count == 0) throw platformsNode.Error($"{what} has no platforms");

        var toolNames = new List<string>();
        foreach (var item in node.Required("tools", what, keys).Items($"the tools of {what}"))
        {
            var tool = item.Scalar("tool");
            if (!tools.ContainsKey(tool))
                throw item.Error($"{what} uses tool '{tool}', which the catalog does not define (defined: "
                    + $"{string.Join(", ", tools.Keys)})");
            if (toolNames.Contains(tool)) throw item.Error($"tool '{tool}' is listed twice in {what}");
            toolNames.Add(tool);
        }

        var dockerfile = Path.Combine(imagesDirectory, folder, "Dockerfile");
        if (!File.Exists(dockerfile))
            throw (folderNode ?? node).Error($"{what} has no readable Dockerfile at {dockerfile}");

        var smoke = ReadSmokeTests(node.Optional("smoke", what, keys), what, tool: null, tools);
        var expected = ReadExpectedBuildSeconds(node.Optional("expected-build-seconds", what, keys), what, platforms);
        ImageOrigin origin = from is not null ? new PinnedBaseImage(from) : new ParentImage(baseNode!.Scalar("base"));
        return new ImageDefinition(name, description, folder, origin, platforms, toolNames, smoke, spot)
        {
            ExpectedBuildSeconds = expected,
        };
    }

    private static Dictionary<Platform, double> ReadExpectedBuildSeconds(YamlNode? node, string what, List<Platform> platforms)
    {
        var seconds = new Dictionary<Platform, double>();
        if (node is null) return seconds;
        // Any known platform may be named, so that dropping a platform from an image leaves its hint harmless.
        foreach (var (key, value, _) in node.Entries($"the expected build seconds of {what}", [.. Platform.Known.Select(p => p.ToString())]))
        {
            var text = value.Scalar($"the expected build seconds of {what} for {key}");
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) || !double.IsFinite(s) || s <= 0)
                throw value.Error($"the expected build seconds of {what} for {key} must be a positive number, got '{text}'");
            if (Platform.KnownOrNull(key) is { } platform && platforms.Contains(platform)) seconds[platform] = s;
        }
        return seconds;
    }

    private static void CheckBases(ImageCatalog catalog, YamlNode root)
    {
        var byName = catalog.Images.ToDictionary(i => i.Name);
        var images = root.Required("images", "the catalog").Entries("images").ToDictionary(e => e.Key, e => e.Value);
        foreach (var image in catalog.Images)
        {
            if (image.Origin is not ParentImage { Image: var parentName }) continue;
            var node = images[image.Name].Required("base", $"image '{image.Name}'");
            if (!byName.TryGetValue(parentName, out var parent))
                throw node.Error($"image '{image.Name}' is based on unknown image '{image.Base}' (known: "
                    + $"{string.Join(", ", byName.Keys)})");
            var missing = image.Platforms.Except(parent.Platforms).ToList();
            if (missing.Count > 0)
                throw node.Error($"image '{image.Name}' wants {string.Join(", ", missing)}, which its base "
                    + $"'{parent.Name}' is not built for");
            var chain = new List<string> { image.Name };
            for (var current = parent; current is not null; current = byName.GetValueOrDefault(current.Base ?? ""))
            {
                if (chain.Contains(current.Name))
                    throw node.Error($"images are based on each other in a cycle: "
                        + $"{string.Join(" -> ", chain.Append(current.Name))}");
                chain.Add(current.Name);
            }
        }
    }

    private static void CheckName(string name, YamlNode node, string what)
    {
        if (!Name().IsMatch(name))
            throw node.Error($"{what} name '{name}' must be lowercase letters, digits and dashes");
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex Name();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]*$")]
    private static partial Regex MountedFileName();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256();

    [GeneratedRegex(@"^[a-z0-9.\-/:]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$")]
    private static partial Regex PinnedReference();
}
