using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ImageTooling.Catalog;

namespace ImageTooling;

/// <summary>The whole run as data: build nodes in a valid order and the indexes to publish.</summary>
public sealed partial record BuildPlan(ImageCatalog Catalog, PlanOptions Options, IReadOnlyList<BuildNode> Nodes, IReadOnlyList<PublishTarget> Publish)
{
    public static BuildPlan Create(ImageCatalog catalog, PlanOptions options)
    {
        foreach (var name in options.Images.Where(n => catalog.Images.All(i => i.Name != n)))
            throw new InputError($"unknown image '{name}' (valid: {string.Join(", ", catalog.Images.Select(i => i.Name))})");
        var platforms = new List<Platform>();
        foreach (var text in options.Platforms)
            platforms.Add(Platform.KnownOrNull(text)
                ?? throw new InputError($"unknown platform '{text}' (valid: {string.Join(", ", Platform.Known)})"));
        foreach (var key in options.BaseImageOverrides.Keys.Where(k => !catalog.BaseImages.ContainsKey(k)))
            throw new InputError($"unknown base image '{key}' to override (valid: {string.Join(", ", catalog.BaseImages.Keys)})");
        if (options.Release is not null && options.BranchTag is not null)
            throw new InputError("give either a release tag or a branch tag, not both");
        if (options.BranchTag is not null && (!BranchTagPattern().IsMatch(options.BranchTag) || ReleaseLike().IsMatch(options.BranchTag)))
            throw new InputError($"'{options.BranchTag}' is not a branch image tag: expected BRANCH-SHORTSHA (lowercase letters, digits, '.', '-'), never a release tag or 'latest'");
        if (options.StandInTools.Count > 0 && options.DownloadMirror is null)
            throw new InputError("stand-in downloads need a download mirror that serves them");
        foreach (var tool in options.StandInTools.Where(t => catalog.Tools.GetValueOrDefault(t)?.Source is not Download))
            throw new InputError($"'{tool}' is not a downloaded tool of the catalog, so no stand-in can replace it (downloaded: "
                + $"{string.Join(", ", catalog.Downloads.Select(d => d.Tool.Name))})");
        if (options.DownloadMirror is not null && !Uri.TryCreate(options.DownloadMirror, UriKind.Absolute, out _))
            throw new InputError($"'{options.DownloadMirror}' is not a URL for the download mirror");

        var selected = options.Images.Count == 0 ? catalog.Images : catalog.Images.Where(i => options.Images.Contains(i.Name)).ToList();
        var needed = new HashSet<string>();
        foreach (var image in selected)
            for (var current = image; current is not null; current = current.Base is null ? null : catalog.Image(current.Base))
                needed.Add(current.Name);

        var registry = (options.Registry ?? catalog.Registry).TrimEnd('/');
        var tags = options.Release?.Tags(options.FloatingTags) ?? (options.BranchTag is null ? [] : [options.BranchTag]);
        var nodes = new List<BuildNode>();
        foreach (var image in Ordered(catalog).Where(i => needed.Contains(i.Name)))
        {
            foreach (var platform in image.Platforms.Where(p => platforms.Count == 0 || platforms.Contains(p)))
            {
                var baseNode = image.Base is null ? null : nodes.Single(n => n.Image.Name == image.Base && n.Platform == platform);
                var baseImage = image.Origin is PinnedBaseImage pinned
                    ? options.BaseImageOverrides.GetValueOrDefault(pinned.Name) ?? catalog.BaseImages[pinned.Name]
                    : null;
                var buildArgs = BuildArguments.For(catalog, image, options);
                var labels = Labels(catalog, image, options);
                foreach (var (key, value) in BaseLabels(image, baseImage, registry, tags))
                    labels[key] = value;
                labels[InputsDigest.Label] = InputsDigest.For(catalog, image, platform, baseImage, buildArgs, baseNode?.Labels[InputsDigest.Label]);
                nodes.Add(new BuildNode(image, platform, baseNode, baseImage, buildArgs, labels, SmokePlan.For(catalog, image, platform)));
            }
        }
        if (platforms.Count > 0 && nodes.Count == 0)
            throw new InputError($"none of the selected images is built for {string.Join(", ", options.Platforms)}");

        var publish = Ordered(catalog).Where(selected.Contains)
            .Select(i => new PublishTarget(i, ImageReference.Parse($"{registry}/{i.Name}"), tags))
            .ToList();
        return new BuildPlan(catalog, options, nodes, publish);
    }

    /// <summary>Catalog order, except that every image comes after its base.</summary>
    private static List<ImageDefinition> Ordered(ImageCatalog catalog)
    {
        var ordered = new List<ImageDefinition>();
        void Visit(ImageDefinition image)
        {
            if (ordered.Contains(image)) return;
            if (image.Base is not null) Visit(catalog.Image(image.Base));
            ordered.Add(image);
        }
        foreach (var image in catalog.Images) Visit(image);
        return ordered;
    }

    /// <summary>Label key prefix under which every image carries the version of each tool it holds.</summary>
    public const string ToolLabelPrefix = "io.github.image-tooling.tool.";

    /// <summary>The OCI label holding the commit's time (UTC, <c>yyyy-MM-ddTHH:mm:ssZ</c>), the images' creation time.</summary>
    public const string CreatedLabel = "org.opencontainers.image.created";

    private static Dictionary<string, string> Labels(ImageCatalog catalog, ImageDefinition image, PlanOptions options)
    {
        var labels = OciLabels(catalog, image, options);
        // Tool versions as labels, so that `skopeo inspect` shows what an image holds without a pull.
        foreach (var tool in catalog.AllToolsOf(image))
            labels[ToolLabelPrefix + tool.Name] = tool.Version;
        return labels;
    }

    /// <summary>
    /// <c>org.opencontainers.image.base.name</c> and <c>.base.digest</c>: a pinned base image by its name and the
    /// digest it is pinned to; a derived image by the tag its base is published under in this run (that
    /// base's digest is known only once it is pushed, after this image is built, so it carries no digest).
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string>> BaseLabels(ImageDefinition image, string? baseImage, string registry, IReadOnlyList<string> tags)
    {
        const string prefix = "org.opencontainers.image.base.";
        if (baseImage is not null)
        {
            var at = baseImage.IndexOf('@', StringComparison.Ordinal);
            yield return new(prefix + "name", at < 0 ? baseImage : baseImage[..at]);
            if (at >= 0) yield return new(prefix + "digest", baseImage[(at + 1)..]);
        }
        else if (image.Base is not null && tags.Count > 0)
        {
            yield return new(prefix + "name", $"{registry}/{image.Base}:{tags[0]}");
        }
    }

    private static Dictionary<string, string> OciLabels(ImageCatalog catalog, ImageDefinition image, PlanOptions options) => new()
    {
        ["org.opencontainers.image.title"] = image.Name,
        ["org.opencontainers.image.description"] = image.Description,
        ["org.opencontainers.image.source"] = catalog.Source,
        ["org.opencontainers.image.url"] = catalog.Source,
        ["org.opencontainers.image.version"] = options.Release?.Version ?? options.BranchTag ?? "dev",
        ["org.opencontainers.image.revision"] = options.Revision,
        [CreatedLabel] = options.Created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        ["org.opencontainers.image.licenses"] = catalog.License,
    };

    public string ToText()
    {
        var text = new StringBuilder();
        var what = Options.Release?.ToString() ?? Options.BranchTag ?? "no tag (build and test only)";
        text.AppendLine($"Plan for {what}: {Nodes.Count} builds, {Nodes.Sum(n => n.SmokeTests.Count)} smoke tests, {Publish.Count} images to publish");
        text.AppendLine();
        text.AppendLine("Build (a node waits only for its base; of the ready ones, the longest remaining path starts first):");
        for (var i = 0; i < Nodes.Count; i++)
        {
            var node = Nodes[i];
            var on = node.Base is null ? node.BaseImage : $"{node.Base.Id} (built in this run)";
            text.AppendLine($"  {i + 1,2}. {node.Id,-34} {node.SmokeTests.Count,3} smoke tests  on {on}");
        }
        text.AppendLine();
        if (Publish.Count == 0 || Publish[0].Tags.Count == 0)
        {
            text.AppendLine("Publish: nothing (no tag given)");
        }
        else
        {
            text.AppendLine("Publish (only after every build and smoke test passed; version tags first, then the floating tags the semver rule lets move):");
            foreach (var target in Publish)
                text.AppendLine($"  {target.Repository}: {string.Join(", ", target.Tags)}  [{string.Join(", ", Nodes.Where(n => n.Image == target.Image).Select(n => n.Platform))}]");
        }
        return text.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(new
    {
        release = Options.Release?.ToString(),
        branchTag = Options.BranchTag,
        nodes = Nodes.Select(n => new
        {
            id = n.Id,
            image = n.Image.Name,
            platform = n.Platform.ToString(),
            @base = n.Base?.Id,
            baseImage = n.BaseImage,
            dockerfile = n.Image.Dockerfile,
            buildArgs = n.BuildArgs,
            labels = n.Labels,
            smokeTests = n.SmokeTests.Select(t => new { name = t.Name, run = t.Run, expect = t.Expect, user = t.User }),
        }),
        publish = Publish.Select(p => new
        {
            image = p.Image.Name,
            repository = p.Repository,
            tags = p.Tags,
            platforms = Nodes.Where(n => n.Image == p.Image).Select(n => n.Platform.ToString()),
        }),
    }, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    [GeneratedRegex(@"^v[0-9]+(\.[0-9]+)*(-|$)")]
    private static partial Regex ReleaseLike();

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{0,100}-[0-9a-f]{7,40}$")]
    private static partial Regex BranchTagPattern();
}
