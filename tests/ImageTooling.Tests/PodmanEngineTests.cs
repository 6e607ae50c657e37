using ImageTooling.Catalog;
using ImageTooling.Cli;
using ImageTooling.Local;

namespace ImageTooling.Tests;

/// <summary>The local engine's choice of a base image's platform variant.</summary>
public class PodmanEngineTests
{
    private static readonly Dictionary<Platform, string> AmdOnly = new() { [Platform.LinuxAmd64] = "sha256:a" };

    [Fact]
    public void The_variant_of_the_target_platform_is_chosen()
    {
        Assert.Equal("sha256:a", PodmanEngine.PlatformDigest("registry.example/debian:x@sha256:i", AmdOnly, Platform.LinuxAmd64));
    }

    [Fact]
    public void A_base_image_without_the_target_platform_is_a_clear_error()
    {
        var failure = Assert.Throws<PipelineFailure>(() => PodmanEngine.PlatformDigest("registry.example/debian:x@sha256:i", AmdOnly, Platform.LinuxArm64));
        Assert.Equal("the base image registry.example/debian:x@sha256:i has no linux/arm64 variant (it has: linux/amd64)", failure.Message);
    }

    /// <summary>The shape of Docker Hub's debian index: two variants of arm, arm64 stated as v8, and attestation entries.</summary>
    [Fact]
    public void An_index_with_several_variants_of_one_architecture_and_attestations_gives_each_platform_its_own_digest()
    {
        static string Entry(string digest, string platform) => $$"""{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{digest}}","size":1,"platform":{{platform}}}""";
        var index = $$"""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
              {{Entry("sha256:amd64", """{"architecture":"amd64","os":"linux"}""")}},
              {{Entry("sha256:arm-v5", """{"architecture":"arm","os":"linux","variant":"v5"}""")}},
              {{Entry("sha256:arm-v7", """{"architecture":"arm","os":"linux","variant":"v7"}""")}},
              {{Entry("sha256:arm64", """{"architecture":"arm64","os":"linux","variant":"v8"}""")}},
              {{Entry("sha256:attestation-1", """{"architecture":"unknown","os":"unknown"}""")}},
              {{Entry("sha256:attestation-2", """{"architecture":"unknown","os":"unknown"}""")}}
            ]}
            """;
        var manifests = PodmanEngine.IndexPlatforms(index)!;
        Assert.Equal("sha256:arm64", PodmanEngine.PlatformDigest("docker.io/library/debian:trixie-slim", manifests, Platform.LinuxArm64));
        Assert.Equal("sha256:amd64", PodmanEngine.PlatformDigest("docker.io/library/debian:trixie-slim", manifests, Platform.LinuxAmd64));
        Assert.Equal("sha256:arm-v7", manifests[Platform.Parse("linux/arm")]);
        Assert.Equal("sha256:arm-v5", manifests[Platform.Parse("linux/arm/v5")]);
    }

    [Fact]
    public void A_single_image_manifest_has_no_platform_list()
    {
        Assert.Null(PodmanEngine.IndexPlatforms("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:c"},"layers":[]}"""));
    }
}

/// <summary>The emulator is asked for only when the plan holds a platform of another architecture (CI's legs run natively).</summary>
public class NativeOnlyEngineTests
{
    private static EngineSettings SettingsOf(params string[] platformOptions)
    {
        EngineSettings? seen = null;
        var logs = Directory.CreateTempSubdirectory("imagetool-native-").FullName;
        var result = InProcessImagetool.Run(settings => { seen = settings; return new FakeEngine(); },
            ["build", "--images-dir", Repo.FixtureImages, "--log-dir", logs, .. platformOptions]);
        Assert.True(result.Exit == 0, result.All);
        return seen ?? throw new Xunit.Sdk.XunitException("no engine was made");
    }

    [Fact]
    public void A_plan_of_the_machine_s_own_platform_makes_an_engine_that_needs_no_emulator()
    {
        var native = $"linux/{PodmanEngine.NativeArchitecture}";
        var foreign = PodmanEngine.NativeArchitecture == "amd64" ? "linux/arm64" : "linux/amd64";
        Assert.True(SettingsOf("--platform", native).NativeOnly);
        Assert.False(SettingsOf("--platform", foreign).NativeOnly);
        Assert.False(SettingsOf().NativeOnly);
        Assert.True(((PodmanEngine)Engines.Create(SettingsOf("--platform", native) with { Kind = "local" })).NativeOnly);
    }
}

/// <summary>The local engine sets the machine up itself (the checkout's ci/install-local-engine.sh) before its checks.</summary>
public class LocalEngineSetupTests
{
    private static PodmanEngine LocalEngine(string images) =>
        (PodmanEngine)Engines.Create(new EngineSettings("local", images, Directory.CreateTempSubdirectory("imagetool-setup-").FullName));

    [Fact]
    public void A_checkout_s_engine_runs_its_install_script_and_an_engine_outside_a_checkout_runs_none()
    {
        Assert.Equal(Path.Combine(Repo.Root, "ci", "install-local-engine.sh"), LocalEngine(Repo.Images).SetupScript);
        Assert.Null(LocalEngine(Repo.FixtureImages).SetupScript);
    }

    [Theory]
    [InlineData(false, "--quiet")]
    [InlineData(true, "--quiet --native-only")]
    public async Task A_failing_setup_is_one_input_error_with_its_last_lines(bool nativeOnly, string arguments)
    {
        var folder = Directory.CreateTempSubdirectory("imagetool-setup-").FullName;
        var script = Path.Combine(folder, "install-local-engine.sh");
        File.WriteAllText(script, $"echo \"$@\" > {folder}/arguments\necho 'podman: missing (run as root to install)'\nexit 3\n");
        var echoed = new StringWriter();
        var engine = new PodmanEngine(folder, Path.Combine(folder, "logs")) { SetupScript = script, SetupOutput = echoed, NativeOnly = nativeOnly };

        var error = await Assert.ThrowsAsync<InputError>(() => engine.CheckReadyAsync(CancellationToken.None));

        Assert.Equal(arguments, File.ReadAllText(Path.Combine(folder, "arguments")).Trim());
        Assert.StartsWith($"the local engine is not set up: {script} failed (exit 3)", error.Message);
        Assert.Contains("podman: missing (run as root to install)", error.Message);
        Assert.Equal("podman: missing (run as root to install)\n", echoed.ToString().ReplaceLineEndings("\n"));
        Assert.Contains("podman: missing", File.ReadAllText(Path.Combine(folder, "logs", "install-local-engine.log")));
    }
}
