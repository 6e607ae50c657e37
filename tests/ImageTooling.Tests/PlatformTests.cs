using System.Text.Json;
using ImageTooling.Catalog;

namespace ImageTooling.Tests;

/// <summary>One platform type: the spellings registries, engines and people use compare as the one platform they name.</summary>
public class PlatformTests
{
    [Theory]
    [InlineData("linux/arm64", "linux/arm64")]
    [InlineData("linux/arm64/v8", "linux/arm64")]
    [InlineData("linux/aarch64", "linux/arm64")]
    [InlineData("Linux/ARM64/V8", "linux/arm64")]
    [InlineData("linux/x86_64", "linux/amd64")]
    [InlineData("linux/amd64/v1", "linux/amd64")]
    [InlineData("linux/amd64/v3", "linux/amd64/v3")]
    [InlineData("linux/arm", "linux/arm/v7")]
    [InlineData("linux/armhf", "linux/arm/v7")]
    [InlineData("linux/arm/6", "linux/arm/v6")]
    [InlineData("linux/i386", "linux/386")]
    public void A_platform_is_normalised_as_OCI_platforms_are(string text, string normalised)
    {
        Assert.Equal(normalised, Platform.Parse(text).ToString());
        Assert.Equal(Platform.Parse(normalised), Platform.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("linux")]
    [InlineData("linux/")]
    [InlineData("linux/arm64/v8/extra")]
    [InlineData("linux/arm 64")]
    public void Anything_else_is_not_a_platform(string text)
    {
        Assert.False(Platform.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Platform.Parse(text));
    }

    [Fact]
    public void Only_the_platforms_the_project_builds_for_are_known()
    {
        Assert.Equal(Platform.LinuxArm64, Platform.KnownOrNull("linux/arm64/v8"));
        Assert.Null(Platform.KnownOrNull("linux/arm/v7"));
        Assert.Null(Platform.KnownOrNull("nonsense"));
    }

    [Fact]
    public void In_JSON_a_platform_is_its_text_as_a_value_and_as_a_key()
    {
        var value = new Dictionary<Platform, Platform> { [Platform.LinuxArm64] = Platform.Parse("linux/arm/v6") };
        var json = JsonSerializer.Serialize(value);
        Assert.Equal("""{"linux/arm64":"linux/arm/v6"}""", json);
        Assert.Equal(value, JsonSerializer.Deserialize<Dictionary<Platform, Platform>>(json));
        Assert.Equal(Platform.LinuxArm64, JsonSerializer.Deserialize<Platform>("\"linux/aarch64\""));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Platform>("\"arm64\""));
    }
}
