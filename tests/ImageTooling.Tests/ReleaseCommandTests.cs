using System.Text.Json;
using ImageTooling.Testing;

namespace ImageTooling.Tests;

/// <summary>The commands the workflows call, run in process (`imagetool branch-tag`, `list --json`, `dagger-version`, `release-notes`).</summary>
public class ReleaseCommandTests
{
    private static Imagetool.Result Run(params string[] args) => InProcessImagetool.Run(args);

    [Fact]
    public void Branch_tag_prints_the_core_s_tag_and_refuses_a_bad_sha()
    {
        var ok = Run("branch-tag", "Feature/Login_Fix!!", "1A2B3C4D5E6F");
        Assert.Equal(0, ok.Exit);
        Assert.Equal(BranchTag.For("Feature/Login_Fix!!", "1A2B3C4D5E6F") + "\n", ok.Out);

        var bad = Run("branch-tag", "main", "not-a-sha");
        Assert.Equal(2, bad.Exit);
        Assert.StartsWith("error: 'not-a-sha' is not a commit SHA", bad.Err);
    }

    [Fact]
    public void List_json_is_the_image_names_of_the_catalog_in_order()
    {
        var result = Run("list", "--json");
        Assert.Equal(0, result.Exit);
        Assert.Equal(Repo.Catalog().Images.Select(i => i.Name), JsonSerializer.Deserialize<string[]>(result.Out)!);
    }

    [Fact]
    public void Dagger_version_is_the_catalog_s_and_a_disagreeing_dagger_json_fails()
    {
        var result = Run("dagger-version");
        Assert.Equal(0, result.Exit);
        Assert.Equal(Repo.Catalog().Tools["dagger"].Version + "\n", result.Out);

        var root = Directory.CreateTempSubdirectory("imagetool-dagger-").FullName;
        try
        {
            Directory.Move(Repo.CopyImages(), Path.Combine(root, "images"));
            File.WriteAllText(Path.Combine(root, "dagger.json"), """{ "name": "x", "engineVersion": "v0.0.1" }""");
            var bad = Run("dagger-version", "--images-dir", Path.Combine(root, "images"));
            Assert.Equal(2, bad.Exit);
            Assert.Contains("engineVersion is 'v0.0.1'", bad.Err);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Release_notes_compare_the_catalogs_of_two_tags_read_from_git()
    {
        var root = Directory.CreateTempSubdirectory("imagetool-notes-").FullName;
        try
        {
            Directory.Move(Repo.CopyFixture(), Path.Combine(root, "images"));
            void Git(params string[] args)
            {
                var result = TestProcess.Run("git", ["-C", root, "-c", "user.name=t", "-c", "user.email=t@example.org", .. args]);
                Assert.True(result.ExitCode == 0, result.ToString());
            }
            var catalogFile = Path.Combine(root, "images", "catalog.yaml");
            var alpha = Repo.Fixture().Tools["alpha"].Version;
            Git("init", "-q");
            Git("add", ".");
            Git("commit", "-qm", "first");
            Git("tag", "v1.2.2");
            File.WriteAllText(catalogFile, File.ReadAllText(catalogFile).Replace($"version: {alpha}\n", "version: 99.0.0\n", 1));
            Git("commit", "-qam", "alpha bump");
            Git("tag", "v1.2.3");

            var result = Run("release-notes", "--tag", "v1.2.3", "--previous", "v1.2.2", "--images-dir", Path.Combine(root, "images"));
            Assert.True(result.Exit == 0, result.All);
            Assert.Contains("Changed since v1.2.2", result.Out);
            Assert.Contains($"**alpha 99.0.0**", result.Out);
            Assert.Contains($"alpha {alpha} → 99.0.0", result.Out);
            Assert.Contains("/other:v1.2.3` | linux/amd64, linux/arm64 |", result.Out);

            // Without --previous: the highest stable tag below.
            var implicitPrevious = Run("release-notes", "--tag", "v1.2.3", "--images-dir", Path.Combine(root, "images"));
            Assert.Equal(result.Out, implicitPrevious.Out);

            // The GitHub release of a backport is not marked latest; the newest stable one is.
            var outputs = Path.Combine(root, "github-output");
            Assert.Equal(0, Run("release-notes", "--tag", "v1.2.2", "--images-dir", Path.Combine(root, "images"), "--github-output", outputs).Exit);
            Assert.Equal("prerelease=false\nlatest=false\n", File.ReadAllText(outputs));
            File.Delete(outputs);
            Assert.Equal(0, Run("release-notes", "--tag", "v1.2.3", "--images-dir", Path.Combine(root, "images"), "--github-output", outputs).Exit);
            Assert.Equal("prerelease=false\nlatest=true\n", File.ReadAllText(outputs));

            var missing = Run("release-notes", "--tag", "v1.2.3", "--previous", "v0.9.0", "--images-dir", Path.Combine(root, "images"));
            Assert.Equal(2, missing.Exit);
            Assert.Contains("cannot read images/catalog.yaml at v0.9.0", missing.Err);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
