using System.Text;
using ImageTooling.Catalog;

namespace ImageTooling.Security;

/// <summary>An engine that runs images a registry holds, not only those it built (the local engine).</summary>
public interface IRegistryImages
{
    /// <summary>Pulls the image <paramref name="reference"/> (a digest of one platform's manifest) for <paramref name="node"/>'s platform.</summary>
    Task<BuiltImage> PullAsync(BuildNode node, ImageReference reference, RegistryCredentials? credentials, CancellationToken cancellation);
}

/// <summary>
/// What waits for the images users pull: for each image of a tag on each platform, only that platform's image is pulled,
/// and a container of it runs the catalog's security check (the fixes Debian's security archive holds for its packages)
/// and asks apt for the candidate version of each tool the catalog takes from Debian. A tool from an upstream download
/// is not asked: the catalog does not say where its releases are listed (Renovate watches them).
/// </summary>
public sealed class SecurityStatus(IImageEngine engine, IRegistryImages images, IRegistry registry, RunLog log)
{
    /// <summary>An apt source (one-line form) the check asks as well, e.g. another security archive; null: the image's own sources only.</summary>
    public string? ExtraSource { get; init; }

    public async Task<SecurityReport> CheckAsync(ImageCatalog catalog, BuildPlan plan, string tag, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        await engine.CheckReadyAsync(cancellation);
        var found = new List<ImageSecurity>();
        foreach (var target in plan.Publish)
            foreach (var node in plan.Nodes.Where(n => n.Image == target.Image))
            {
                var result = await CheckAsync(catalog, target, node, tag, credentials, cancellation);
                log.Say($"[security] {target.Reference(tag)} {node.Platform}: {Summary(result)}");
                found.Add(result);
            }
        return new SecurityReport(SecurityReport.CurrentVersion, tag, DateTimeOffset.UtcNow, found);
    }

    private async Task<ImageSecurity> CheckAsync(
        ImageCatalog catalog, PublishTarget target, BuildNode node, string tag, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        var tools = catalog.AllToolsOf(target.Image).ToList();
        var debian = tools.Where(t => t.Source is DebianPackage).ToDictionary(t => ((DebianPackage)t.Source).Name);
        var notAsked = tools.Where(t => t.Source is Download).Select(t => t.Name).ToList();
        ImageSecurity Failed(string? digest, string error) =>
            new(target.Image.Name, node.Platform, target.Reference(tag).ToString(), digest, [], [], notAsked, error);

        var index = await registry.GetIndexAsync(target.Reference(tag), credentials, cancellation);
        if (index is null) return Failed(null, $"{target.Reference(tag)} is not in the registry");
        var manifest = index.Manifests.FirstOrDefault(m => m.Platform == node.Platform);
        if (manifest is null)
            return Failed(index.Digest, $"{target.Reference(tag)} has no {node.Platform} image (it has: {string.Join(", ", index.Manifests.Select(m => m.Platform))})");

        var image = await images.PullAsync(node, target.Repository.WithDigest(manifest.Digest), credentials, cancellation);
        var check = catalog.SecurityCheck with { Name = "security status", Run = Command(catalog.SecurityCheck.Run, debian.Keys) };
        var run = await engine.RunAsync(image, check, cancellation);
        var lines = run.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (!lines.Any(l => l.StartsWith(SummaryPrefix, StringComparison.Ordinal)))
            return Failed(manifest.Digest, $"the security check did not run: {lines.FirstOrDefault() ?? $"exit {run.ExitCode}, no output"}");

        var pending = lines.Where(l => l.StartsWith("pending: ", StringComparison.Ordinal))
            .Select(l => l["pending: ".Length..].Split(' ')).Where(f => f.Length == 4 && f[2] == "->")
            .Select(f => new PendingFix(f[0], f[1], f[3])).ToList();
        var updates = lines.Where(l => l.StartsWith("candidate: ", StringComparison.Ordinal))
            .Select(l => l["candidate: ".Length..].Split(' ')).Where(f => f.Length == 3 && debian.ContainsKey(f[0]) && f[2] != f[1] && f[2] != "(none)")
            .Select(f => new ToolUpdate(debian[f[0]].Name, debian[f[0]].Version, f[1], f[2])).ToList();
        return new ImageSecurity(target.Image.Name, node.Platform, target.Reference(tag).ToString(), manifest.Digest, pending, updates, notAsked, null);
    }

    private const string SummaryPrefix = "pending-security-updates=";

    /// <summary>The catalog's check, after the extra source if one is given, then one <c>candidate:</c> line per Debian package of a tool.</summary>
    private string Command(string check, IEnumerable<string> packages)
    {
        var command = new StringBuilder();
        if (ExtraSource is { } source)
            command.Append($"printf '%s\\n' '{source.Replace("'", "", StringComparison.Ordinal)}' > /etc/apt/sources.list.d/imagetool-extra.list; ");
        command.Append(check).Append("; ");
        foreach (var package in packages)
            command.Append($"printf 'candidate: %s %s %s\\n' {package} \"$(dpkg-query -W -f '${{Version}}' {package} 2>/dev/null)\" "
                + $"\"$(apt-cache policy {package} | sed -n 's/^ *Candidate: //p')\"; ");
        return command.ToString();
    }

    private static string Summary(ImageSecurity result) =>
        result.Error ?? (result.Pending.Count == 0 ? "no pending security fix" : $"{result.Pending.Count} pending: {string.Join(", ", result.Pending.Select(p => p.Package))}")
            + (result.ToolUpdates.Count == 0 ? "" : $"; newer: {string.Join(", ", result.ToolUpdates.Select(t => $"{t.Tool} {t.Available}"))}");
}
