using ImageTooling.Cli;
using ImageTooling.Local;

namespace ImageTooling.Tests;

/// <summary>The local engine's choice of a base image's platform variant.</summary>
public class PodmanEngineTests
{
    private static readonly Dictionary<string, string> AmdOnly = new() { ["amd64"] = "sha256:a" };

    [Fact]
    public void The_variant_of_the_target_architecture_is_chosen()
    {
        Assert.Equal("sha256:a", PodmanEngine.PlatformDigest("registry.example/debian:x@sha256:i", AmdOnly, "amd64"));
    }

    [Fact]
    public void A_base_image_without_the_target_platform_is_a_clear_error()
    {
        var failure = Assert.Throws<PipelineFailure>(() => PodmanEngine.PlatformDigest("registry.example/debian:x@sha256:i", AmdOnly, "arm64"));
        Assert.Equal("the base image registry.example/debian:x@sha256:i has no linux/arm64 variant (it has: linux/amd64)", failure.Message);
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
