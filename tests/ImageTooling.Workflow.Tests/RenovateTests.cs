using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace ImageTooling.Workflow.Tests;

/// <summary>renovate.json, checked by applying its own regex managers to the files they are for.</summary>
public partial class RenovateTests
{
    private const string CatalogPath = "images/catalog.yaml";

    private sealed record Manager(IReadOnlyList<string> FilePatterns, IReadOnlyList<Regex> MatchStrings, JsonElement Json)
    {
        public bool Handles(string path) => FilePatterns.Any(p => FilePattern(p).IsMatch(path));

        public string? Template(string name) => Json.TryGetProperty(name, out var v) ? v.GetString() : null;
    }

    private sealed record Hit(int Index, Manager Manager, Match Match)
    {
        public string? Group(string name) => Match.Groups[name].Success ? Match.Groups[name].Value : null;
    }

    private static readonly JsonElement Config = JsonDocument.Parse(Repo.Read("renovate.json")).RootElement;

    private static IReadOnlyList<Manager> Managers() =>
        Config.GetProperty("customManagers").EnumerateArray()
            .Where(m => m.GetProperty("customType").GetString() == "regex")
            .Select(m => new Manager(
                m.GetProperty("managerFilePatterns").EnumerateArray().Select(p => p.GetString()!).ToList(),
                m.GetProperty("matchStrings").EnumerateArray().Select(s => new Regex(s.GetString()!)).ToList(),
                m))
            .ToList();

    /// <summary>Renovate's "/regex/" file pattern (the only shape used here) as a .NET regex.</summary>
    private static Regex FilePattern(string pattern)
    {
        var m = Regex.Match(pattern, "^/(?<body>.*)/(?<flags>[a-z]*)$", RegexOptions.Singleline);
        Assert.True(m.Success, $"managerFilePatterns '{pattern}' is not /regex/");
        return new Regex(m.Groups["body"].Value, m.Groups["flags"].Value.Contains('i', StringComparison.Ordinal) ? RegexOptions.IgnoreCase : RegexOptions.None);
    }

    private static List<Hit> Apply(string path, string text) =>
        Managers().Where(m => m.Handles(path))
            .SelectMany(m => m.MatchStrings.SelectMany(r => r.Matches(text).Select(match => new Hit(match.Index, m, match))))
            .ToList();

    [GeneratedRegex(@"^[ \t]*#\s*renovate:\s*(?<fields>.+?)\s*$", RegexOptions.Multiline)]
    private static partial Regex RenovateComment();

    private static Dictionary<string, string> Fields(string text) =>
        text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(kv => kv.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");

    [Fact]
    public void Extends_the_recommended_config_and_pins_action_digests()
    {
        var extends = Config.GetProperty("extends").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("config:recommended", extends);
        Assert.Contains("helpers:pinGitHubActionDigests", extends);
    }

    [Fact]
    public void Every_renovate_comment_of_the_catalog_is_matched_by_a_regex_manager()
    {
        var catalog = Repo.Read(CatalogPath);
        var hits = Apply(CatalogPath, catalog);
        var comments = RenovateComment().Matches(catalog);
        Assert.NotEmpty(comments);

        foreach (Match comment in comments)
        {
            var fields = Fields(comment.Groups["fields"].Value);
            var hash = catalog.IndexOf('#', comment.Index);
            var hit = hits.Where(h => h.Index == hash).ToList();
            Assert.True(hit.Count == 1, $"'{comment.Value.Trim()}' is matched by {hit.Count} matchStrings of renovate.json (expected exactly 1)");
            var h = hit[0];

            Assert.Equal(fields["depName"], h.Group("depName"));
            Assert.Equal(fields["datasource"], h.Group("datasource") ?? h.Manager.Template("datasourceTemplate"));
            if (fields.TryGetValue("versioning", out var versioning))
                Assert.Equal(versioning, h.Group("versioning"));
            if (fields.TryGetValue("extractVersion", out var extract))
                Assert.Equal(extract, h.Group("extractVersion"));

            var nextLine = catalog[(catalog.IndexOf('\n', comment.Index) + 1)..].Split('\n')[0];
            var currentValue = h.Group("currentValue");
            Assert.False(string.IsNullOrEmpty(currentValue));
            var version = Regex.Match(nextLine, @"^\s*version:\s*[""']?(?<v>[^\s""'#]+)");
            if (version.Success)
            {
                Assert.Equal(version.Groups["v"].Value, currentValue);
            }
            else
            {
                // An image reference: the tag and the digest are updated together.
                var image = Regex.Match(nextLine, @":\s*(?<repo>[^\s:@]+):(?<tag>[^\s@]+)@(?<digest>sha256:[0-9a-f]{64})");
                Assert.True(image.Success, $"the line after '{comment.Value.Trim()}' is neither `version: X` nor an image pinned by digest: {nextLine}");
                Assert.Equal(image.Groups["tag"].Value, currentValue);
                Assert.Equal(image.Groups["digest"].Value, h.Group("currentDigest"));
            }
        }
    }

    [Fact]
    public void Every_upstream_download_of_the_catalog_has_a_renovate_comment()
    {
        var catalog = Repo.Read(CatalogPath);
        var stream = new YamlStream();
        stream.Load(new StringReader(catalog));
        var tools = ((YamlMappingNode)stream.Documents[0].RootNode).Map("tools")!;
        var annotated = RenovateComment().Matches(catalog).Select(m => Fields(m.Groups["fields"].Value)["depName"]).ToHashSet();
        var lines = catalog.Split('\n');
        foreach (var (key, value) in tools.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            if (((YamlMappingNode)value).Get("download") is null)
                continue; // a Debian package: it moves with the Debian base image
            var start = Array.FindIndex(lines, l => l == $"  {name}:");
            var block = lines.Skip(start + 1).TakeWhile(l => !Regex.IsMatch(l, @"^  \S")).ToList();
            Assert.True(block.Any(l => l.TrimStart().StartsWith("# renovate:", StringComparison.Ordinal)),
                $"tool '{name}' downloads an upstream release but has no `# renovate:` comment above its version");
        }
        Assert.NotEmpty(annotated);
    }

    [Fact]
    public void Dagger_moves_in_the_catalog_and_dagger_json_together()
    {
        var dagger = File.Exists(Repo.PathOf("dagger.json"))
            ? Repo.Read("dagger.json")
            : $$"""{ "name": "image-tooling", "engineVersion": "v{{DaggerTests.CatalogDaggerVersion()}}" }""";
        var hit = Assert.Single(Apply("dagger.json", dagger));
        Assert.Equal(DaggerTests.CatalogDaggerVersion(), hit.Group("currentValue"));
        Assert.Equal("dagger/dagger", hit.Manager.Template("depNameTemplate"));
        Assert.Equal("github-releases", hit.Manager.Template("datasourceTemplate"));

        var catalog = Repo.Read(CatalogPath);
        Assert.Contains(Apply(CatalogPath, catalog), h => h.Group("depName") == "dagger/dagger" && h.Group("datasource") == "github-releases");

        var group = PackageRules().Where(r => Strings(r, "matchPackageNames").Contains("dagger/dagger") && r.TryGetProperty("groupName", out _)).ToList();
        Assert.True(group.Count == 1, "one packageRule must group dagger/dagger (catalog + dagger.json)");
        Assert.False(group[0].TryGetProperty("matchManagers", out _), "the dagger group must span both managers' updates");
        Assert.False(group[0].TryGetProperty("matchFileNames", out _), "the dagger group must span both files");
    }

    [Fact]
    public void The_cosign_release_of_the_verify_job_is_kept_current()
    {
        var path = ".github/workflows/release.yml";
        var hit = Assert.Single(Apply(path, Repo.Read(path)));
        Assert.Equal("sigstore/cosign", hit.Group("depName"));
        Assert.Equal("github-releases", hit.Group("datasource"));
        var pinned = WorkflowFile.Load("release.yml").Job("sign").StepUsing("sigstore/cosign-installer").With["cosign-release"];
        Assert.Equal(pinned, hit.Group("currentValue"));
    }

    [Fact]
    public void Only_plain_dagger_releases_are_proposed()
    {
        var catalog = Repo.Read(CatalogPath);
        var hit = Assert.Single(Apply(CatalogPath, catalog), h => h.Group("depName") == "dagger/dagger");
        var extract = new Regex(hit.Group("extractVersion")!);
        Assert.Equal("0.21.8", extract.Match("v0.21.8").Groups["version"].Value);
        Assert.DoesNotMatch(extract, "sdk/typescript/v0.21.8");
        Assert.DoesNotMatch(extract, "helm/chart/v0.21.8");
        var checksums = PackageRules().Single(r => r.TryGetProperty("postUpgradeTasks", out _));
        Assert.DoesNotContain("docker", Strings(checksums, "matchDatasources")); // the base image has no sha256 pins to refresh
    }

    [Fact]
    public void Kubernetes_tools_are_grouped()
    {
        var catalog = Repo.Read(CatalogPath);
        string[] kubernetesTools = ["kubernetes/kubernetes", "helm/helm", "kubernetes-sigs/kustomize", "argoproj/argo-cd", "derailed/k9s"];
        var inCatalog = kubernetesTools.Where(t => catalog.Contains($"depName={t}", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(inCatalog);
        var group = PackageRules().Single(r => r.TryGetProperty("groupName", out var g) && g.GetString() == "kubernetes tools");
        Assert.Subset(Strings(group, "matchPackageNames").ToHashSet(), inCatalog.ToHashSet());
        Assert.DoesNotContain("major", Strings(group, "matchUpdateTypes"));
    }

    [Fact]
    public void A_bumped_download_gets_its_checksums_refreshed()
    {
        var rule = PackageRules().Single(r => r.TryGetProperty("postUpgradeTasks", out _));
        var tasks = rule.GetProperty("postUpgradeTasks");
        Assert.Contains("dotnet run --project ci/ImageTooling.Cli -- checksums --write", Strings(tasks, "commands"));
        Assert.Contains(CatalogPath, Strings(tasks, "fileFilters"));
        Assert.Contains(Strings(rule, "prBodyNotes"), n => n.Contains("checksums --write", StringComparison.Ordinal));
        Assert.Contains("checksums --write", Repo.Read(Path.Combine("docs", "releasing.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_debian_base_image_keeps_its_codename_and_slim_variant()
    {
        var rule = PackageRules().Single(r => Strings(r, "matchPackageNames").Contains("debian") && r.TryGetProperty("versioning", out _));
        var versioning = rule.GetProperty("versioning").GetString()!;
        Assert.StartsWith("regex:", versioning, StringComparison.Ordinal);
        var regex = new Regex(versioning["regex:".Length..]);
        var tag = Regex.Match(Repo.Read(CatalogPath), @"debian:(?<tag>[^\s@]+)@sha256:").Groups["tag"].Value;
        var match = regex.Match(tag);
        Assert.True(match.Success, $"the pinned tag '{tag}' does not fit the versioning {versioning}");
        Assert.True(match.Groups["compatibility"].Success && match.Groups["major"].Success);
    }

    private static IEnumerable<JsonElement> PackageRules() => Config.GetProperty("packageRules").EnumerateArray();

    private static IReadOnlyList<string> Strings(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) ? value.EnumerateArray().Select(v => v.GetString()!).ToList() : [];
}
