using System.Text;
using System.Text.Json;

namespace ImageTooling.Cli;

/// <summary>A NuGet package of the solution with a known vulnerability, as <c>dotnet list package --vulnerable</c> reports it.</summary>
/// <param name="Projects">The projects that restore it (file names without extension).</param>
/// <param name="Transitive">Whether it comes only through another package (no project references it directly).</param>
internal sealed record NugetAdvisory(string Package, string Version, string Severity, string Advisory, IReadOnlyList<string> Projects, bool Transitive);

/// <summary>
/// NuGet's own advisories for the pinned packages (and what they pull in): read from
/// <c>dotnet list package --vulnerable --include-transitive --format json</c>, reported, never fatal. A release build is
/// not stopped by them either: restore's audit warnings (NU1901–NU1904) stay warnings (Directory.Build.props).
/// </summary>
internal static class NugetAdvisories
{
    /// <summary>The advisories of the report, one per package, version and advisory; and the problems it states
    /// (a project it could not read, a source without vulnerability data).</summary>
    public static (IReadOnlyList<NugetAdvisory> Advisories, IReadOnlyList<string> Problems) Parse(string json, string source)
    {
        using (var document = JsonInput.Parse(json, $"{source} is not the JSON of dotnet list package --format json"))
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("projects", out var projects) || projects.ValueKind != JsonValueKind.Array)
                throw new InputError($"{source} is not the JSON of dotnet list package --format json (no projects)");
            var found = new List<(string Package, string Version, string Severity, string Advisory, string Project, bool Transitive)>();
            var problems = Problems(root);
            foreach (var project in projects.EnumerateArray())
            {
                var name = Path.GetFileNameWithoutExtension(JsonInput.Text(project, "path") ?? "?");
                problems.AddRange(Problems(project).Select(p => $"{name}: {p}"));
                foreach (var framework in Array(project, "frameworks"))
                    foreach (var (list, transitive) in new[] { ("topLevelPackages", false), ("transitivePackages", true) })
                        foreach (var package in Array(framework, list))
                            foreach (var vulnerability in Array(package, "vulnerabilities"))
                                found.Add((JsonInput.Text(package, "id") ?? "?", JsonInput.Text(package, "resolvedVersion") ?? "?", JsonInput.Text(vulnerability, "severity") ?? "?",
                                    JsonInput.Text(vulnerability, "advisoryurl") ?? JsonInput.Text(vulnerability, "advisoryUrl") ?? "", name, transitive));
            }
            var advisories = found.GroupBy(f => (f.Package, f.Version, f.Advisory))
                .Select(g => new NugetAdvisory(g.Key.Package, g.Key.Version, g.First().Severity, g.Key.Advisory,
                    g.Select(f => f.Project).Distinct().Order(StringComparer.Ordinal).ToList(), g.All(f => f.Transitive)))
                .OrderBy(a => a.Package, StringComparer.Ordinal).ThenBy(a => a.Version, StringComparer.Ordinal)
                .ToList();
            return (advisories, problems);
        }
    }

    public static string Markdown(IReadOnlyList<NugetAdvisory> advisories, IReadOnlyList<string> problems)
    {
        var text = new StringBuilder();
        void Line(string line = "") => text.Append(line).Append('\n');
        Line("## NuGet advisories (dotnet list package --vulnerable --include-transitive)");
        Line();
        if (advisories.Count == 0)
            Line("No known vulnerability in the packages the projects restore.");
        else
        {
            Line("Reported only: nothing is stopped by them. Raise the pin in Directory.Packages.props (Renovate proposes it), "
                + "or pin the transitive package there.");
            Line();
            Line("| Package | Version | Severity | Advisory | Projects | Reference |");
            Line("|---|---|---|---|---|---|");
            foreach (var a in advisories)
                Line($"| {a.Package} | {a.Version} | {a.Severity} | {a.Advisory} | {string.Join(", ", a.Projects)} | {(a.Transitive ? "transitive" : "direct")} |");
        }
        foreach (var problem in problems) Line($"- problem: {problem}");
        return text.ToString();
    }

    private static List<string> Problems(JsonElement element) =>
        Array(element, "problems").Select(p => $"{JsonInput.Text(p, "level") ?? "problem"}: {JsonInput.Text(p, "text") ?? p.ToString()}").ToList();

    private static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : [];
}
