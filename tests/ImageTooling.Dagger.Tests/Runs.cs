using ImageTooling.Dagger.Tests.Simulated;

namespace ImageTooling.Dagger.Tests;

/// <summary>
/// The runs the tests make against the simulated session. The behaviour tests assert on them; the
/// contract test replays all of them and validates every request they sent against Dagger's schema.
/// </summary>
internal static class Runs
{
    public const string BuildFailure = "process \"/bin/sh -c fetch-verified KUBECTL /out/kubectl\" did not complete successfully: exit code: 22";

    /// <summary>publish-multi-arch v1.2.3 of every image, everything passing.</summary>
    public static async Task<(Scenario Run, IReadOnlyList<PublishedImage> Published)> ReleaseAsync()
    {
        var run = new Scenario();
        var published = await run.PublishAsync();
        return (run, published);
    }

    /// <summary>BuildKit fails tooling-k8s for arm64, as a failed download check would.</summary>
    public static Task<(Scenario Run, Exception Error)> BuildErrorAsync() => FailingAsync(run =>
        run.Session.FailBuild = b => b.Dockerfile == "tooling-k8s/Dockerfile" && b.Platform == "linux/arm64" ? BuildFailure : null);

    /// <summary>The arm64 buildx image reports the wrong machine: an image built for the wrong platform.</summary>
    public static Task<(Scenario Run, Exception Error)> FailingSmokeTestAsync() => FailingAsync(run =>
        run.Session.OnExec = exec => exec.Container.Build!.Dockerfile == "buildx/Dockerfile" && exec.Container.Build.Platform == "linux/arm64" && exec.Args[2] == "uname -m"
            ? (0, "x86_64\n", "")
            : run.PassingSmokeTest(exec));

    /// <summary>A smoke test whose command fails (exit 1, message on stderr).</summary>
    public static Task<(Scenario Run, Exception Error)> FailingCommandAsync() => FailingAsync(run =>
        run.Session.OnExec = exec => exec.Container.Build!.Dockerfile == "pandoc/Dockerfile" && exec.Args[2].StartsWith("pandoc --version", StringComparison.Ordinal)
            ? (1, "", "pandoc: error while loading shared libraries: libffi.so.8\n")
            : run.PassingSmokeTest(exec));

    /// <summary>A token that is not an environment variable cannot be handed to Dagger without putting it in a query.</summary>
    public static async Task<(Scenario Run, Exception Error)> TokenWithoutSourceAsync()
    {
        var run = new Scenario();
        var error = await Record.ExceptionAsync(() => run.PublishAsync(new RegistryCredentials("bot", new Secret(Scenario.Token))));
        return (run, error);
    }

    private static async Task<(Scenario, Exception)> FailingAsync(Action<Scenario> arrange)
    {
        var run = new Scenario();
        arrange(run);
        var error = await Record.ExceptionAsync(() => run.PublishAsync());
        return (run, error);
    }

    /// <summary>Every run above, by name, with the requests its session received.</summary>
    public static async Task<IReadOnlyList<(string Run, SessionRequest Request)>> AllRequestsAsync()
    {
        var sessions = new List<(string, Scenario)>
        {
            ("release", (await ReleaseAsync()).Run),
            ("build error", (await BuildErrorAsync()).Run),
            ("failing smoke test", (await FailingSmokeTestAsync()).Run),
            ("failing command", (await FailingCommandAsync()).Run),
            ("token without source", (await TokenWithoutSourceAsync()).Run),
        };
        try
        {
            return sessions.SelectMany(s => s.Item2.Session.Requests.Select(r => (s.Item1, r))).ToList();
        }
        finally
        {
            foreach (var (_, run) in sessions) run.Dispose();
        }
    }
}
