using ImageTooling.Security;

namespace ImageTooling.Tests;

/// <summary>The scanner's report (Trivy JSON, as the security workflow writes it) read into fixable findings.</summary>
public class ScanFindingTests
{
    private const string Report = """
        {
          "SchemaVersion": 2,
          "ArtifactName": "docker.io/best-tools/tooling-k8s:latest",
          "ArtifactType": "container_image",
          "Metadata": { "ImageConfig": { "architecture": "arm64", "os": "linux" } },
          "Results": [
            {
              "Target": "docker.io/best-tools/tooling-k8s:latest (debian 13.1)",
              "Class": "os-pkgs",
              "Type": "debian",
              "Vulnerabilities": [
                { "VulnerabilityID": "CVE-2026-0001", "PkgName": "libssl3t64", "InstalledVersion": "3.5.1-1", "FixedVersion": "3.5.1-1+deb13u1", "Status": "fixed", "Severity": "HIGH" },
                { "VulnerabilityID": "CVE-2026-0002", "PkgName": "libc6", "InstalledVersion": "2.41-12", "FixedVersion": "2.41-12+deb13u1", "Status": "fixed", "Severity": "MEDIUM" },
                { "VulnerabilityID": "CVE-2026-0003", "PkgName": "zlib1g", "InstalledVersion": "1:1.3.dfsg-3", "Status": "affected", "Severity": "CRITICAL" }
              ]
            },
            {
              "Target": "usr/local/bin/helm",
              "Class": "lang-pkgs",
              "Type": "gobinary",
              "Vulnerabilities": [
                { "VulnerabilityID": "CVE-2026-0004", "PkgName": "stdlib", "InstalledVersion": "v1.25.1", "FixedVersion": "1.25.2", "Severity": "critical" }
              ]
            },
            { "Target": "usr/local/bin/kubectl", "Class": "lang-pkgs", "Type": "gobinary" }
          ]
        }
        """;

    [Fact]
    public void Fixable_high_and_critical_findings_are_read_with_what_fixes_them()
    {
        var findings = ScanFinding.ParseTrivy(Report, "trivy.json");

        Assert.Equal(2, findings.Count); // the MEDIUM one and the one without a fix are left out
        var debian = findings.Single(f => f.OsPackage);
        Assert.Equal(new ScanFinding("docker.io/best-tools/tooling-k8s:latest", "latest", "linux/arm64", "CVE-2026-0001", "HIGH", "libssl3t64",
            "3.5.1-1", "3.5.1-1+deb13u1", true, "docker.io/best-tools/tooling-k8s:latest (debian 13.1)"), debian);
        var library = findings.Single(f => !f.OsPackage);
        Assert.Equal(("stdlib", "CRITICAL", "usr/local/bin/helm"), (library.Package, library.Severity, library.Target));
    }

    [Fact]
    public void A_report_that_is_not_an_image_scan_by_tag_is_refused()
    {
        Assert.Contains("not a Trivy JSON report", Assert.Throws<InputError>(() => ScanFinding.ParseTrivy("{", "a.json")).Message);
        Assert.Contains("no ArtifactName", Assert.Throws<InputError>(() => ScanFinding.ParseTrivy("""{ "Results": [] }""", "b.json")).Message);
        Assert.Contains("has no tag", Assert.Throws<InputError>(() =>
            ScanFinding.ParseTrivy("""{ "ArtifactName": "docker.io/best-tools/pandoc@sha256:0123", "Results": [] }""", "c.json")).Message);
        Assert.Empty(ScanFinding.ParseTrivy("""{ "ArtifactName": "docker.io/best-tools/pandoc:v1.4" }""", "clean.json"));
    }
}
