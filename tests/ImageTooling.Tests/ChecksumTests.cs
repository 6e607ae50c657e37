using System.Net;
using System.Security.Cryptography;
using System.Text;
using ImageTooling.Catalog;
using ImageTooling.Testing;

namespace ImageTooling.Tests;

public class ChecksumTests
{
    private const string A = "1111111111111111111111111111111111111111111111111111111111111111";
    private const string B = "2222222222222222222222222222222222222222222222222222222222222222";

    [Theory]
    [InlineData(A + "  tool-v1.2.3-linux-amd64.tar.gz\n", "tool-v1.2.3-linux-amd64.tar.gz", A)]
    [InlineData(B + "  other\n" + A + " *tool-v1.2.3.linux-arm64\n", "tool-v1.2.3.linux-arm64", A)]
    [InlineData(A + "  ./tool_Linux_arm64.tar.gz\n", "tool_Linux_arm64.tar.gz", A)]
    [InlineData(A + "\n", "tool", A)]
    [InlineData(B + "  something-else\n", "tool", null)]
    public void Finds_the_hash_for_a_file_in_upstream_checksum_files(string file, string name, string? expected)
    {
        Assert.Equal(expected, ChecksumPins.Find(file, name));
    }

    [Fact]
    public void Pinning_rewrites_one_value_and_keeps_everything_else()
    {
        var text = Repo.FixtureText();
        var pinned = ChecksumPins.Pin(text, "beta", "arm64", A);
        Assert.Equal(text.Split('\n').Length, pinned.Split('\n').Length);
        Assert.Contains($"        arm64: {A}", pinned);
        Assert.Contains("amd64: " + new string('b', 64), pinned);
        Assert.Contains("# A small catalog for the unit tests", pinned);
        Assert.Equal(text.Replace("arm64: " + new string('c', 64), $"arm64: {A}", 1), pinned);
        var catalog = CatalogLoader.Parse("catalog.yaml", pinned, Repo.FixtureImages);
        Assert.Equal(A, Assert.IsType<Download>(catalog.Tools["beta"].Source).Sha256["arm64"]);
    }

    [Fact]
    public void Pinning_adds_a_missing_architecture_or_mapping()
    {
        var withoutPins = Repo.FixtureText().Replace("      sha256:\n        amd64: " + new string('a', 64) + "\n", "", 1);
        var text = ChecksumPins.Pin(ChecksumPins.Pin(withoutPins, "alpha", "arm64", A), "alpha", "amd64", B);
        var catalog = CatalogLoader.Parse("catalog.yaml", text, Repo.FixtureImages);
        Assert.Equal(B, Assert.IsType<Download>(catalog.Tools["alpha"].Source).Sha256["amd64"]);
        Assert.Equal(A, Assert.IsType<Download>(catalog.Tools["alpha"].Source).Sha256["arm64"]);
    }

    /// <summary>The checksums command against a local stand-in of upstream (checksum files and artifacts it fabricates).</summary>
    [Fact]
    public void The_checksums_command_pins_what_upstream_publishes()
    {
        var images = Repo.CopyFixture();
        var catalog = CatalogLoader.Load(images);
        var expected = new Dictionary<string, string>();
        var files = new Dictionary<string, byte[]>();
        foreach (var (tool, download) in catalog.Downloads)
            foreach (var arch in new[] { "amd64", "arm64" })
            {
                Assert.True(Platform.TryParse($"linux/{arch}", out var p));
                var url = tool.Render(download.Url, p);
                var name = url[(url.LastIndexOf('/') + 1)..];
                var artifact = Encoding.UTF8.GetBytes($"stand-in {tool.Name} {arch}");
                var sha = Convert.ToHexStringLower(SHA256.HashData(artifact));
                expected[$"{tool.Name}/{arch}"] = sha;
                files["/" + url["https://".Length..]] = artifact;
                if (download.ChecksumsUrl is { } checksums)
                {
                    var key = "/" + tool.Render(checksums, p)["https://".Length..];
                    var line = $"{sha}  {name}\n";
                    files[key] = files.TryGetValue(key, out var existing) ? [.. existing, .. Encoding.UTF8.GetBytes(line)] : Encoding.UTF8.GetBytes(line);
                }
            }
        using var listener = new HttpListener();
        var port = Random.Shared.Next(20000, 30000);
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                var context = await listener.GetContextAsync();
                var key = context.Request.RawUrl!;
                if (files.TryGetValue(key, out var body)) await context.Response.OutputStream.WriteAsync(body);
                else context.Response.StatusCode = 404;
                context.Response.Close();
            }
        });

        var check = InProcessImagetool.Run("checksums", "--images-dir", images, "--download-mirror", $"http://127.0.0.1:{port}");
        Assert.Equal(1, check.Exit);
        Assert.Contains("DIFFERS", check.Out);
        Assert.Contains("run with --write", check.Out + check.Err);

        var write = InProcessImagetool.Run("checksums", "--images-dir", images, "--download-mirror", $"http://127.0.0.1:{port}", "--write");
        Assert.Equal(0, write.Exit);
        var updated = CatalogLoader.Load(images);
        foreach (var (tool, download) in updated.Downloads)
            foreach (var arch in new[] { "amd64", "arm64" })
                Assert.Equal(expected[$"{tool.Name}/{arch}"], download.Sha256[arch]);

        var again = InProcessImagetool.Run("checksums", "--images-dir", images, "--download-mirror", $"http://127.0.0.1:{port}");
        Assert.Equal(0, again.Exit);
        Assert.DoesNotContain("DIFFERS", again.Out);
    }
}
