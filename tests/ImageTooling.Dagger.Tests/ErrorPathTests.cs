using ImageTooling.Catalog;
using ImageTooling.Dagger.Tests.Simulated;
using ImageTooling.Testing;

namespace ImageTooling.Dagger.Tests;

public sealed class ErrorPathTests
{
    [Fact]
    public async Task A_GraphQL_error_during_a_build_fails_the_run_naming_the_node_and_publishes_nothing()
    {
        var (run, error) = await Runs.BuildErrorAsync();
        using var disposal = run;

        var failure = Assert.IsType<PipelineFailure>(error);
        Assert.Contains($"tooling-k8s linux/arm64: dagger: building tooling-k8s linux/arm64: {Runs.BuildFailure}", failure.Message, StringComparison.Ordinal);
        Assert.Contains("tooling-k8s-aws linux/arm64: not built: its base failed", failure.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was published", failure.Message, StringComparison.Ordinal);
        Assert.Empty(run.Session.Publishes);
        Assert.Empty(run.Session.SecretUris);
    }

    [Fact]
    public async Task A_smoke_test_with_the_wrong_output_stops_the_release_before_anything_is_pushed()
    {
        var (run, error) = await Runs.FailingSmokeTestAsync();
        using var disposal = run;

        var failure = Assert.IsType<PipelineFailure>(error);
        Assert.Contains("buildx linux/arm64: smoke tests failed: 'platform'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("expected output containing 'aarch64', got 'x86_64'", failure.Message, StringComparison.Ordinal);
        Assert.Empty(run.Session.Publishes);
        Assert.DoesNotContain(run.Session.Requests, r => r.Name is "Publish" or "Secret");
    }

    [Fact]
    public async Task A_failing_smoke_test_command_reports_its_exit_code_and_stderr()
    {
        var (run, error) = await Runs.FailingCommandAsync();
        using var disposal = run;

        var failure = Assert.IsType<PipelineFailure>(error);
        Assert.Contains("pandoc linux/amd64: smoke tests failed: 'pandoc version' (exit 1, expected output containing", failure.Message, StringComparison.Ordinal);
        Assert.Contains("got 'pandoc: error while loading shared libraries: libffi.so.8'", failure.Message, StringComparison.Ordinal);
        Assert.Empty(run.Session.Publishes);
    }

    [Fact]
    public async Task An_unreachable_session_is_a_clear_error_before_anything_is_built()
    {
        var port = LoopbackServer.FreePort();
        using var client = new DaggerClient(new Uri($"http://127.0.0.1:{port}/query"), "token");
        var engine = new DaggerEngine(client, Repo.Images);
        using var run = new Scenario();

        var error = await Record.ExceptionAsync(() =>
            new Pipeline(engine, run.Log).PublishAsync(run.Plan, run.Registry, Scenario.Credentials, force: false, CancellationToken.None));

        var input = Assert.IsType<InputError>(error);
        Assert.StartsWith($"dagger: checking the Dagger session: cannot reach the Dagger session at http://127.0.0.1:{port}/query", input.Message, StringComparison.Ordinal);
        Assert.Contains("dagger run", input.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("[build]", run.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_that_refuses_the_session_token_is_a_clear_error()
    {
        using var session = new SimulatedDaggerSession("the-right-token");
        using var client = session.Client("a-wrong-token");

        var error = await Record.ExceptionAsync(() => new DaggerEngine(client, Repo.Images).CheckReadyAsync(CancellationToken.None));

        var input = Assert.IsType<InputError>(error);
        Assert.Equal($"dagger: checking the Dagger session: the Dagger session at {session.Endpoint} refused the session token (HTTP 401)", input.Message);
        Assert.Empty(session.Requests);
    }

    [Fact]
    public async Task A_token_that_only_exists_as_a_value_is_refused_without_ever_being_sent()
    {
        var (run, error) = await Runs.TokenWithoutSourceAsync();
        using var disposal = run;

        var input = Assert.IsType<InputError>(error);
        Assert.Contains("only from an environment variable", input.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Scenario.Token, input.Message, StringComparison.Ordinal);
        Assert.Empty(run.Session.Publishes);
        Assert.All(run.Session.Requests, r => Assert.DoesNotContain(Scenario.Token, r.Query + r.VariablesJson, StringComparison.Ordinal));
    }

    [Fact]
    public void Outside_a_session_the_client_says_what_is_missing()
    {
        var error = Assert.Throws<InputError>(() => DaggerClient.FromEnvironment(_ => null));
        Assert.Contains("DAGGER_SESSION_PORT", error.Message, StringComparison.Ordinal);
        Assert.Contains("dagger run", error.Message, StringComparison.Ordinal);

        var port = Assert.Throws<InputError>(() => DaggerClient.FromEnvironment(name => name == "DAGGER_SESSION_PORT" ? "http" : "token"));
        Assert.Equal("DAGGER_SESSION_PORT is not a port number: 'http'", port.Message);
    }

    [Fact]
    public async Task An_exec_error_carries_Daggers_extensions_and_the_adapter_shows_the_stderr_tail()
    {
        using var session = new SimulatedDaggerSession();
        using var client = session.Client();
        session.OnExec = _ => (2, "partial output\n", "first line\nthe reason it failed\n");
        var context = await client.HostDirectoryAsync("test", Repo.Images, CancellationToken.None);
        var built = await client.DockerBuildAsync("test", context, new DockerBuild("pandoc/Dockerfile", Platform.LinuxAmd64, new Dictionary<string, string>(), new Dictionary<string, string>()), CancellationToken.None);

        const string query = """
            query Run($container: ID!) {
              node(id: $container) { ... on Container { withExec(args: ["false"]) { stdout } } }
            }
            """;
        var error = await Record.ExceptionAsync(() => client.QueryAsync("running false", query, new Dictionary<string, object?> { ["container"] = built.Value }, CancellationToken.None));

        var failure = Assert.IsType<PipelineFailure>(error);
        Assert.StartsWith("dagger: running false: process \"false\" did not complete successfully: exit code: 2", failure.Message, StringComparison.Ordinal);
        Assert.EndsWith("\n    first line\n    the reason it failed", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publishing_two_variants_of_one_platform_is_refused_as_Dagger_refuses_it()
    {
        using var session = new SimulatedDaggerSession();
        using var client = session.Client();
        var context = await client.HostDirectoryAsync("test", Repo.Images, CancellationToken.None);
        var amd64 = await client.DockerBuildAsync("test", context, new DockerBuild("pandoc/Dockerfile", Platform.LinuxAmd64, new Dictionary<string, string>(), new Dictionary<string, string>()), CancellationToken.None);
        var secret = await client.SecretAsync("test", "env://TOKEN", CancellationToken.None);

        var twice = await Record.ExceptionAsync(() => client.PublishAsync("test", "registry.example/x:v1", [amd64, amd64], "bot", secret, CancellationToken.None));
        Assert.Equal("dagger: test: duplicate platform \"linux/amd64\"", Assert.IsType<PipelineFailure>(twice).Message);

        // The empty root container of `container { publish }` is no variant: one platform is published once.
        var once = await client.PublishAsync("test", "registry.example/x:v1", [amd64], "bot", secret, CancellationToken.None);
        Assert.Matches("^registry.example/x:v1@sha256:[0-9a-f]{64}$", once);
        Assert.Single(Assert.Single(session.Publishes).Variants);
        Assert.Matches("^docker.io/best-tools/x:v1@sha256:", await client.PublishAsync("test", "best-tools/x:v1", [amd64], "bot", secret, CancellationToken.None));
    }
}
