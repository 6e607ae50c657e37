namespace ImageTooling.Harness;

/// <summary>
/// A real build of an upstream tool, taken from Debian's package of it (tests/harness/real-tools.tsv), that
/// the harness serves as that tool's download instead of a stand-in.
/// </summary>
/// <param name="Version">The version the tool reports for itself; the catalog copy pins it.</param>
/// <param name="Expect">Its real version output, with <c>{version}</c>.</param>
/// <param name="Binaries">Architecture → the extracted binary.</param>
public sealed record RealTool(string Name, string Version, string Expect, IReadOnlyDictionary<string, string> Binaries)
{
    /// <summary>
    /// The tools of <paramref name="table"/> whose binaries tests/harness/provision.sh extracted under
    /// <paramref name="cache"/> (ARCH/TOOL and ARCH/TOOL.deb-version). A package whose version no longer starts
    /// with the pinned one fails here, so a Debian update cannot silently change what the tests expect.
    /// </summary>
    public static IReadOnlyDictionary<string, RealTool> Load(string table, string cache, IReadOnlyList<string> architectures)
    {
        var tools = new Dictionary<string, RealTool>();
        foreach (var line in File.ReadAllLines(table).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var fields = line.Split('\t');
            if (fields.Length != 5) throw new InvalidOperationException($"{table}: expected 5 tab-separated fields, got '{line}'");
            var (name, version, expect) = (fields[0], fields[3], fields[4]);
            var binaries = new Dictionary<string, string>();
            foreach (var arch in architectures)
            {
                var binary = Path.Combine(cache, arch, name);
                var debVersion = binary + ".deb-version";
                if (!File.Exists(binary) || !File.Exists(debVersion))
                    throw new InvalidOperationException($"the real {name} for {arch} is missing under {cache}: run 'bash tests/harness/provision.sh' as root");
                var packaged = File.ReadAllText(debVersion).Trim();
                if (!packaged.StartsWith(version, StringComparison.Ordinal))
                    throw new InvalidOperationException($"Debian's {fields[1]} for {arch} is {packaged} now, not {version}: update {table}");
                binaries[arch] = binary;
            }
            tools[name] = new RealTool(name, version, expect, binaries);
        }
        return tools;
    }
}
