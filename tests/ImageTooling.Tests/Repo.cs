using ImageTooling.Catalog;
using ImageTooling.Testing;

namespace ImageTooling.Tests;

/// <summary>
/// The repository under test and the fixture catalog the unit tests run on. The fixture's versions and
/// checksums are made up and stay put, so a version bump in images/catalog.yaml changes no test; tests of
/// the real catalog check what must hold for any version (see CatalogInvariantTests).
/// </summary>
internal static class Repo
{
    public static string Root => TestRepository.Root;
    public static string Images => Path.Combine(Root, "images");
    public static string FixtureImages => Path.Combine(Root, "tests", "ImageTooling.Tests", "fixtures", "images");

    /// <summary>The real catalog, images/catalog.yaml.</summary>
    public static ImageCatalog Catalog() => CatalogLoader.Load(Images);

    /// <summary>The fixture catalog, tests/ImageTooling.Tests/fixtures/images/catalog.yaml.</summary>
    public static ImageCatalog Fixture() => CatalogLoader.Load(FixtureImages);

    public static string FixtureText() => File.ReadAllText(Path.Combine(FixtureImages, CatalogLoader.FileName));

    /// <summary>A copy of the fixture images in a temp folder, with the catalog text changed by <paramref name="edit"/>.</summary>
    public static string CopyFixture(Func<string, string>? edit = null)
    {
        var target = Copy(FixtureImages);
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

    /// <summary>A copy of the real images/ in a temp folder, for checks of how the real catalog fits the repository.</summary>
    public static string CopyImages() => Copy(Images);

    private static string Copy(string images)
    {
        var target = Directory.CreateTempSubdirectory("imagetool-test-").FullName;
        foreach (var file in Directory.GetFiles(images, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(target, Path.GetRelativePath(images, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
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
