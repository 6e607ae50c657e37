using ImageTooling.Catalog;

namespace ImageTooling.Tests;

/// <summary>The repository under test and small helpers to write catalogs with one mistake in them.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();
    public static string Images => Path.Combine(Root, "images");

    public static ImageCatalog Catalog() => CatalogLoader.Load(Images);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ImageTooling.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    /// <summary>A copy of images/ in a temp folder, with the catalog text changed by <paramref name="edit"/>.</summary>
    public static string CopyImages(Func<string, string>? edit = null)
    {
        var target = Directory.CreateTempSubdirectory("imagetool-test-").FullName;
        foreach (var file in Directory.GetFiles(Images, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(target, Path.GetRelativePath(Images, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
        }
        if (edit is not null)
        {
            var catalog = Path.Combine(target, CatalogLoader.FileName);
            var before = File.ReadAllText(catalog);
            var after = edit(before);
            Assert.NotEqual(before, after); // the edit must really change something
            File.WriteAllText(catalog, after);
        }
        return target;
    }

    public static string Replace(this string text, string old, string @new, int expectedCount)
    {
        var count = (text.Length - text.Replace(old, "", StringComparison.Ordinal).Length) / old.Length;
        Assert.Equal(expectedCount, count);
        return text.Replace(old, @new, StringComparison.Ordinal);
    }

    /// <summary>The 1-based line of the first occurrence of <paramref name="needle"/> in the catalog text.</summary>
    public static int LineOf(string text, string needle) =>
        text[..text.IndexOf(needle, StringComparison.Ordinal)].Count(c => c == '\n') + 1;
}
