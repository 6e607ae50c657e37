namespace ImageTooling.Tests;

public class ImageReferenceTests
{
    [Theory]
    [InlineData("debian:trixie-slim", "debian", "docker.io", "debian", "trixie-slim", null)]
    [InlineData("best-tools/pandoc", "best-tools/pandoc", "docker.io", "best-tools/pandoc", null, null)]
    [InlineData("docker.io/library/debian:trixie@sha256:abc", "docker.io/library/debian", "docker.io", "library/debian", "trixie", "sha256:abc")]
    [InlineData("127.0.0.1:5000/x/pandoc:v1.2.3", "127.0.0.1:5000/x/pandoc", "127.0.0.1:5000", "x/pandoc", "v1.2.3", null)]
    [InlineData("localhost/imagetool/base@sha256:def", "localhost/imagetool/base", "localhost", "imagetool/base", null, "sha256:def")]
    [InlineData("registry.example:443/ns/a", "registry.example:443/ns/a", "registry.example:443", "ns/a", null, null)]
    public void A_reference_is_parsed_once_into_its_parts(string text, string repository, string host, string path, string? tag, string? digest)
    {
        var reference = ImageReference.Parse(text);
        Assert.Equal((repository, host, path, tag, digest), (reference.Repository, reference.Host, reference.Path, reference.Tag, reference.Digest));
        Assert.Equal(text, reference.ToString());
    }

    [Fact]
    public void Tools_that_take_no_tag_and_digest_together_get_the_digest_alone()
    {
        var reference = ImageReference.Parse("docker.io/library/debian:trixie-slim@sha256:abc");
        Assert.Equal("docker.io/library/debian@sha256:abc", reference.Pinned);
        Assert.Equal("docker.io/library/debian:trixie-slim", reference.Tagged);
        Assert.Equal("debian:trixie-slim", ImageReference.Parse("debian:trixie-slim").Pinned);
    }

    [Fact]
    public void A_repository_names_its_tags_and_manifests_and_only_those_name_a_manifest_url()
    {
        var repository = ImageReference.Parse("127.0.0.1:5000/e2e/pandoc");
        Assert.Equal("127.0.0.1:5000/e2e/pandoc:v1.2.3", repository.WithTag("v1.2.3").ToString());
        Assert.Equal("127.0.0.1:5000/e2e/pandoc@sha256:abc", repository.WithTag("v1.2.3").WithDigest("sha256:abc").ToString());
        Assert.Equal("v1.2.3", repository.WithTag("v1.2.3").ManifestReference);
        Assert.Equal("sha256:abc", repository.WithDigest("sha256:abc").ManifestReference);
        Assert.Throws<InvalidOperationException>(() => repository.ManifestReference);
    }

    [Fact]
    public void In_JSON_a_reference_is_its_text()
    {
        var reference = ImageReference.Parse("docker.io/library/debian:trixie-slim@sha256:abc");
        var json = System.Text.Json.JsonSerializer.Serialize(reference);
        Assert.Equal("\"docker.io/library/debian:trixie-slim@sha256:abc\"", json);
        Assert.Equal(reference, System.Text.Json.JsonSerializer.Deserialize<ImageReference>(json));
        Assert.Throws<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize<ImageReference>("\"\""));
    }
}
