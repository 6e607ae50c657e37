using System.Text.Json;

namespace ImageTooling.Security;

/// <summary>
/// One HIGH or CRITICAL finding with a fix, from the scanner's report (Trivy's JSON) of a published image.
/// </summary>
/// <param name="Reference">The image reference scanned (REPOSITORY:TAG).</param>
/// <param name="Tag">The tag of <paramref name="Reference"/>: what users pull.</param>
/// <param name="Platform">os/architecture of the image scanned, as the report states it ("" when it does not).</param>
/// <param name="OsPackage">A Debian package (Trivy's class <c>os-pkgs</c>): a rebuild takes its fix from Debian's archive.
/// Otherwise a library inside a downloaded tool (a Go binary's module, say): only a new version of the tool fixes it.</param>
/// <param name="Target">What Trivy names the place of the finding (the OS, or the file of a binary).</param>
public sealed record ScanFinding(
    string Reference, string Tag, string Platform, string Vulnerability, string Severity, string Package, string Installed, string Fixed,
    bool OsPackage, string Target)
{
    public static readonly IReadOnlyList<string> Severities = ["CRITICAL", "HIGH"];

    /// <summary>The fixable HIGH and CRITICAL findings of one Trivy JSON report (<c>--format json</c>); a finding without a
    /// fixed version, or of a lower severity, is left out (a filter the scan also applies, repeated so the rule is here).</summary>
    /// <param name="source">The report's file, for the error message.</param>
    public static IReadOnlyList<ScanFinding> ParseTrivy(string json, string source)
    {
        using (var document = JsonInput.Parse(json, $"{source} is not a Trivy JSON report"))
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || JsonInput.Text(root, "ArtifactName") is not { Length: > 0 } reference)
                throw new InputError($"{source} is not a Trivy JSON report of an image (no ArtifactName)");
            var tag = ImageReference.Parse(reference).Tag
                ?? throw new InputError($"{source}: the scanned image {reference} has no tag (scan REPOSITORY:TAG, the tag users pull)");
            var platform = root.TryGetProperty("Metadata", out var metadata) && metadata.TryGetProperty("ImageConfig", out var config)
                && JsonInput.Text(config, "os") is { } os && JsonInput.Text(config, "architecture") is { } architecture
                ? $"{os}/{architecture}"
                : "";
            var findings = new List<ScanFinding>();
            if (!root.TryGetProperty("Results", out var results) || results.ValueKind != JsonValueKind.Array) return findings;
            foreach (var result in results.EnumerateArray())
            {
                if (!result.TryGetProperty("Vulnerabilities", out var vulnerabilities) || vulnerabilities.ValueKind != JsonValueKind.Array) continue;
                var osPackage = JsonInput.Text(result, "Class") == "os-pkgs";
                foreach (var v in vulnerabilities.EnumerateArray())
                {
                    var severity = (JsonInput.Text(v, "Severity") ?? "").ToUpperInvariant();
                    if (JsonInput.Text(v, "FixedVersion") is not { Length: > 0 } fixedVersion || !Severities.Contains(severity)) continue;
                    findings.Add(new ScanFinding(reference, tag, platform, JsonInput.Text(v, "VulnerabilityID") ?? "?", severity, JsonInput.Text(v, "PkgName") ?? "?",
                        JsonInput.Text(v, "InstalledVersion") ?? "?", fixedVersion, osPackage, JsonInput.Text(result, "Target") ?? ""));
                }
            }
            return findings;
        }
    }
}
