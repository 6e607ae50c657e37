using System.Net;
using System.Text;
using ImageTooling.Testing;
using Xunit.Abstractions;

namespace ImageTooling.Dagger.Tests;

/// <summary>
/// The module's `dotnet publish` of imagetool restores from nuget.org, where NuGet's audit reads the known advisories at
/// the time of the call, and Directory.Build.props makes warnings errors but for the audit's (NU1900-NU1904: the one place
/// that says so, for every build of imagetool). Here a restore with the module's build properties and the project's own
/// props reads advisories from a stand-in vulnerability source (NuGet's VulnerabilityInfo/6.7.0 resource, named in
/// nuget.config's auditSources) that lists one for a package the project pins: it passes and still prints the advisory;
/// with the props' WarningsNotAsErrors line taken out, the same restore fails.
/// </summary>
public sealed class ModuleNuGetAuditTests(ITestOutputHelper output)
{
    private const string Package = "YamlDotNet";

    [Fact]
    public void A_new_advisory_for_a_pinned_package_is_a_warning_in_the_module_s_build_of_imagetool_and_an_error_without_the_props_line()
    {
        // The module's build exec, as the module asks the engine for it.
        IReadOnlyList<string> properties;
        using (var run = new Scenario())
        {
            Module.Invoke(run.Session, "list", []);
            var publish = run.Session.Execs.First(e => e.Args.Take(2).SequenceEqual(["dotnet", "publish"]));
            properties = publish.Args.Where(a => a.StartsWith("-p:", StringComparison.Ordinal)).ToList();
        }

        using var advisories = new LoopbackServer(ServeAdvisoriesAsync);
        var project = Directory.CreateTempSubdirectory("module-nuget-audit-").FullName;
        try
        {
            foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props" })
                File.Copy(Path.Combine(Repo.Root, file), Path.Combine(project, file));
            File.WriteAllText(Path.Combine(project, "probe.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <ItemGroup>
                    <PackageReference Include="{Package}" />
                  </ItemGroup>
                </Project>
                """);
            // The machine's package sources stay; the advisories come from the stand-in only.
            File.WriteAllText(Path.Combine(project, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <auditSources>
                    <clear />
                    <add key="stand-in advisories" value="{advisories.Url}/index.json" allowInsecureConnections="true" />
                  </auditSources>
                </configuration>
                """);

            var module = Restore(project, properties);
            output.WriteLine(module.ToString());
            Assert.True(module.ExitCode == 0, $"the module's build ({string.Join(' ', properties)}) did not keep the advisory a warning:\n{module}");
            Assert.Contains($"warning NU1903: Package '{Package}'", module.Output, StringComparison.Ordinal);
            Assert.Contains("https://example.invalid/advisories/stand-in", module.Output, StringComparison.Ordinal);

            var props = Path.Combine(project, "Directory.Build.props");
            var lines = File.ReadAllLines(props);
            Assert.Single(lines, l => l.Contains("<WarningsNotAsErrors>", StringComparison.Ordinal));
            File.WriteAllLines(props, lines.Where(l => !l.Contains("<WarningsNotAsErrors>", StringComparison.Ordinal)));
            var strict = Restore(project, properties);
            output.WriteLine(strict.ToString());
            Assert.NotEqual(0, strict.ExitCode);
            Assert.Contains($"error NU1903: Warning As Error: Package '{Package}'", strict.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(project, recursive: true);
        }
    }

    private static ProcessResult Restore(string project, IEnumerable<string> properties) =>
        TestProcess.Run("dotnet", ["restore", "probe.csproj", "--force", "--no-http-cache", .. properties], project,
            new Dictionary<string, string> { ["DOTNET_NOLOGO"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" }, TimeSpan.FromMinutes(5));

    /// <summary>
    /// NuGet's vulnerability resource (https://learn.microsoft.com/nuget/api/vulnerability-info): a service index naming
    /// it, its index of pages, and one page listing a high-severity advisory (severity 2: NU1903) for every version of the package.
    /// </summary>
    private static async Task ServeAdvisoriesAsync(HttpListenerContext context)
    {
        var root = $"http://{context.Request.Url!.Authority}";
        var body = context.Request.Url.AbsolutePath switch
        {
            "/index.json" => $$"""{"version":"3.0.0","resources":[{"@id":"{{root}}/vulnerabilities/index.json","@type":"VulnerabilityInfo/6.7.0"}]}""",
            "/vulnerabilities/index.json" => $$"""[{"@name":"base","@id":"{{root}}/vulnerabilities/base.json","@updated":"2026-12-01T00:00:00Z"}]""",
            "/vulnerabilities/base.json" => $$"""{"{{Package.ToLowerInvariant()}}":[{"url":"https://example.invalid/advisories/stand-in","severity":2,"versions":"[0.0.0, 999.0.0)"}]}""",
            _ => null,
        };
        context.Response.StatusCode = body is null ? 404 : 200;
        context.Response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(body ?? "{}");
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }
}
