using System.Xml.Linq;
using ImageTooling.Cli;

namespace ImageTooling.Tests;

/// <summary>NuGet's advisories for the solution's packages: read from dotnet list package's JSON, reported, never fatal.</summary>
public class NugetAdvisoriesTests
{
    private const string Vulnerable = """
        {
          "version": 1,
          "parameters": "--vulnerable --include-transitive",
          "sources": [ "https://api.nuget.org/v3/index.json" ],
          "projects": [
            {
              "path": "/src/ci/ImageTooling/ImageTooling.csproj",
              "frameworks": [ {
                "framework": "net10.0",
                "topLevelPackages": [ { "id": "YamlDotNet", "requestedVersion": "16.3.0", "resolvedVersion": "16.3.0",
                  "vulnerabilities": [ { "severity": "High", "advisoryurl": "https://github.com/advisories/GHSA-aaaa-bbbb-cccc" } ] } ],
                "transitivePackages": [ { "id": "System.Text.Json", "resolvedVersion": "8.0.4",
                  "vulnerabilities": [ { "severity": "Critical", "advisoryurl": "https://github.com/advisories/GHSA-dddd-eeee-ffff" } ] } ]
              } ]
            },
            {
              "path": "/src/ci/ImageTooling.Cli/ImageTooling.Cli.csproj",
              "frameworks": [ {
                "framework": "net10.0",
                "transitivePackages": [ { "id": "YamlDotNet", "resolvedVersion": "16.3.0",
                  "vulnerabilities": [ { "severity": "High", "advisoryurl": "https://github.com/advisories/GHSA-aaaa-bbbb-cccc" } ] } ]
              } ]
            },
            { "path": "/src/tests/Broken/Broken.csproj", "problems": [ { "level": "error", "text": "No assets file was found" } ] }
          ]
        }
        """;

    [Fact]
    public void Each_vulnerable_package_is_listed_once_with_its_projects_and_whether_a_project_references_it()
    {
        var (advisories, problems) = NugetAdvisories.Parse(Vulnerable, "list.json");

        Assert.Equal(2, advisories.Count);
        var yaml = advisories.Single(a => a.Package == "YamlDotNet");
        Assert.Equal(("16.3.0", "High", "https://github.com/advisories/GHSA-aaaa-bbbb-cccc", false), (yaml.Version, yaml.Severity, yaml.Advisory, yaml.Transitive));
        Assert.Equal(["ImageTooling", "ImageTooling.Cli"], yaml.Projects);
        Assert.True(advisories.Single(a => a.Package == "System.Text.Json").Transitive);
        Assert.Equal(["Broken: error: No assets file was found"], problems);

        var markdown = NugetAdvisories.Markdown(advisories, problems);
        Assert.Contains("| System.Text.Json | 8.0.4 | Critical | https://github.com/advisories/GHSA-dddd-eeee-ffff | ImageTooling | transitive |", markdown);
        Assert.Contains("- problem: Broken: error: No assets file was found", markdown);
    }

    [Fact]
    public void The_command_reports_and_exits_0_with_advisories_and_2_on_a_file_that_is_no_such_report()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, Vulnerable);
            var found = InProcessImagetool.Run("nuget-advisories", "--report", file);
            Assert.Equal(0, found.Exit); // reported, not fatal
            Assert.Contains("| YamlDotNet | 16.3.0 | High |", found.Out);

            File.WriteAllText(file, """{ "version": 1, "parameters": "--vulnerable", "sources": [], "projects": [ { "path": "/src/a/A.csproj" } ] }""");
            var clean = InProcessImagetool.Run("nuget-advisories", "--report", file);
            Assert.Equal(0, clean.Exit);
            Assert.Contains("No known vulnerability", clean.Out);

            File.WriteAllText(file, "Restore complete (1.2s)\n{");
            Assert.Equal(2, InProcessImagetool.Run("nuget-advisories", "--report", file).Exit);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Restore_s_audit_warnings_stay_warnings_so_no_advisory_stops_a_release_build()
    {
        var props = XDocument.Load(Path.Combine(Repo.Root, "Directory.Build.props"));
        var value = (string?)props.Descendants("TreatWarningsAsErrors").SingleOrDefault();
        Assert.Equal("true", value); // what would turn NU1901-NU1904 into errors
        var notAsErrors = ((string?)props.Descendants("WarningsNotAsErrors").SingleOrDefault() ?? "").Split(';', StringSplitOptions.TrimEntries);
        foreach (var code in new[] { "NU1900", "NU1901", "NU1902", "NU1903", "NU1904" })
            Assert.Contains(code, notAsErrors);
        Assert.DoesNotContain(props.Descendants("NuGetAudit"), e => e.Value == "false"); // still reported, not switched off
    }
}
