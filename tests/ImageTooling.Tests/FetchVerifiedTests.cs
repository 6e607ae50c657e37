using System.Security.Cryptography;
using System.Text;
using ImageTooling.Testing;

namespace ImageTooling.Tests;

/// <summary>
/// images/common/fetch-verified run on this machine against a local HTTP server: a download whose bytes do not
/// match the pinned sha256, or whose checksum file does not list it, fails with one line naming the catalog
/// entry and the architecture.
/// </summary>
public sealed class FetchVerifiedTests : IDisposable
{
    private static readonly byte[] Artifact = Encoding.UTF8.GetBytes("release artifact served by the test\n");
    private static readonly string ArtifactSha256 = Convert.ToHexStringLower(SHA256.HashData(Artifact));
    private static readonly string OtherSha256 = Convert.ToHexStringLower(SHA256.HashData("tampered\n"u8));

    private readonly LoopbackServer server;
    private readonly Dictionary<string, byte[]> files = new()
    {
        ["/kubectl"] = Artifact,
        ["/checksums.txt"] = Encoding.UTF8.GetBytes($"{OtherSha256}  helm\n{OtherSha256}  kubectl.sig\n"),
    };
    private readonly string baseUrl;
    private readonly string destination = Path.Combine(Directory.CreateTempSubdirectory("imagetool-fetch-").FullName, "kubectl");

    public FetchVerifiedTests()
    {
        server = new LoopbackServer(async context =>
        {
            using var response = context.Response;
            if (files.TryGetValue(context.Request.Url!.AbsolutePath, out var body))
                await response.OutputStream.WriteAsync(body);
            else
                response.StatusCode = 404;
        });
        baseUrl = server.Url;
    }

    public void Dispose() => server.Dispose();

    private ProcessResult FetchKubectl(string row) => TestProcess.Run("sh",
        [Path.Combine(Repo.Images, "common", "fetch-verified"), "KUBECTL_DOWNLOAD", destination],
        environment: new Dictionary<string, string>
        {
            ["TARGETARCH"] = "arm64",
            ["KUBECTL_DOWNLOAD"] = $"amd64 {baseUrl}/missing {ArtifactSha256} -\n{row}",
        },
        timeout: TimeSpan.FromMinutes(1));

    private static void AssertOneLineNamesToolAndArchitecture(ProcessResult result, string reason)
    {
        Assert.True(result.ExitCode != 0, result.ToString());
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, line => line.Contains("KUBECTL_DOWNLOAD (arm64)", StringComparison.Ordinal)
            && line.Contains(reason, StringComparison.Ordinal) && line.Contains("kubectl", StringComparison.Ordinal));
    }

    [Fact]
    public void The_pinned_sha256_of_the_architecture_accepts_the_download()
    {
        var result = FetchKubectl($"arm64 {baseUrl}/kubectl {ArtifactSha256} -");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Artifact, File.ReadAllBytes(destination));
    }

    [Fact]
    public void A_download_that_does_not_match_the_pinned_sha256_fails()
    {
        var result = FetchKubectl($"arm64 {baseUrl}/kubectl {OtherSha256} -");
        AssertOneLineNamesToolAndArchitecture(result, $"sha256 mismatch for kubectl: expected {OtherSha256}, got {ArtifactSha256}");
    }

    [Fact]
    public void A_checksum_file_that_does_not_list_the_download_fails()
    {
        var result = FetchKubectl($"arm64 {baseUrl}/kubectl - {baseUrl}/checksums.txt");
        AssertOneLineNamesToolAndArchitecture(result, $"the checksum file {baseUrl}/checksums.txt lists no sha256 for kubectl");
    }

    [Fact]
    public void A_checksum_file_that_lists_the_download_accepts_it()
    {
        files["/checksums.txt"] = Encoding.UTF8.GetBytes($"{OtherSha256}  helm\n{ArtifactSha256}  kubectl\n");
        var result = FetchKubectl($"arm64 {baseUrl}/kubectl - {baseUrl}/checksums.txt");
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
