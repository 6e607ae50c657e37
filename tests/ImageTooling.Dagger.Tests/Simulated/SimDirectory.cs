using System.Security.Cryptography;
using System.Text;

namespace ImageTooling.Dagger.Tests.Simulated;

/// <summary>
/// A directory of the simulated session: its files by relative path ('/'-separated), each either a file of this
/// machine (<see cref="HostFiles"/>) or contents written into it (<see cref="NewFiles"/>); or, for what an exec left
/// in a container (<see cref="MadeBy"/>), only the exec that made it. Its <see cref="ContentKey"/> depends on
/// contents, not on where the files are, as the engine's content-addressed directories do.
/// </summary>
internal sealed record SimDirectory(IReadOnlyDictionary<string, string> HostFiles, IReadOnlyDictionary<string, string> NewFiles) : SimObject("Directory")
{
    private string? contentKey;

    /// <summary>The command of the exec whose output this directory is, when it is one.</summary>
    public string? MadeBy { get; init; }

    public static SimDirectory Empty => new(new Dictionary<string, string>(), new Dictionary<string, string>());

    /// <summary>A folder of this machine, minus what <paramref name="ignore"/> leaves out.</summary>
    public static SimDirectory FromHost(string root, IEnumerable<string>? ignore = null)
    {
        var patterns = new IgnorePatterns(ignore ?? []);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(string folder, string relative)
        {
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
            {
                var path = relative.Length == 0 ? entry.Name : $"{relative}/{entry.Name}";
                var excluded = patterns.Excludes(path);
                if (entry is DirectoryInfo directory)
                {
                    if (!excluded || patterns.MayIncludeBelow(path)) Walk(directory.FullName, path);
                }
                else if (!excluded)
                {
                    files[path] = entry.FullName;
                }
            }
        }
        if (Directory.Exists(root)) Walk(root, "");
        return new SimDirectory(files, new Dictionary<string, string>());
    }

    public IEnumerable<string> Paths => HostFiles.Keys.Concat(NewFiles.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    public SimDirectory WithNewFile(string path, string contents) =>
        new(HostFiles, new Dictionary<string, string>(NewFiles) { [path.TrimStart('/')] = contents }) { MadeBy = MadeBy };

    /// <summary><c>directory(path)</c>: the part below <paramref name="path"/>, rooted there.</summary>
    public SimDirectory Below(string path)
    {
        var prefix = path.Trim('/') + "/";
        return new SimDirectory(
            HostFiles.Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(f => f.Key[prefix.Length..], f => f.Value),
            NewFiles.Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(f => f.Key[prefix.Length..], f => f.Value))
        { MadeBy = MadeBy is null ? null : $"{MadeBy} {path}" };
    }

    /// <summary>The directory minus an <c>exclude</c> list (same patterns as an ignore list).</summary>
    public SimDirectory Without(IEnumerable<string> exclude)
    {
        var patterns = new IgnorePatterns(exclude);
        if (patterns.IsEmpty) return this;
        return new SimDirectory(
            HostFiles.Where(f => !patterns.Excludes(f.Key)).ToDictionary(),
            NewFiles.Where(f => !patterns.Excludes(f.Key)).ToDictionary())
        { MadeBy = MadeBy };
    }

    public string? Read(string path)
    {
        path = path.TrimStart('/');
        if (NewFiles.TryGetValue(path, out var contents)) return contents;
        return HostFiles.TryGetValue(path, out var file) ? File.ReadAllText(file) : null;
    }

    /// <summary>A digest of the paths and contents (or of the exec that made it).</summary>
    public string ContentKey()
    {
        if (contentKey is not null) return contentKey;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"made-by:{MadeBy}\n"));
        foreach (var path in Paths)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{path}\n"));
            hash.AppendData(NewFiles.TryGetValue(path, out var text) ? Encoding.UTF8.GetBytes(text) : File.ReadAllBytes(HostFiles[path]));
            hash.AppendData("\n"u8);
        }
        return contentKey = Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Writes the files into <paramref name="folder"/>, as a container would see them there.</summary>
    public void CopyTo(string folder)
    {
        foreach (var (path, file) in HostFiles)
        {
            var target = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
        foreach (var (path, contents) in NewFiles)
        {
            var target = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, contents);
        }
    }
}
