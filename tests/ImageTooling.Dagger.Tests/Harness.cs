using ImageTooling.Catalog;
using ImageTooling.Dagger.Tests.Simulated;

namespace ImageTooling.Dagger.Tests;

internal static class Repo
{
    public static string Root => ImageTooling.Testing.TestRepository.Root;

    public static string Images => Path.Combine(Root, "images");

    public static string Contract => Path.Combine(Root, "tests", "contract");
}

/// <summary>A stand-in registry: it takes the credentials and holds only what the session pushed (the pipeline reads each push back).</summary>
internal sealed class StandInRegistry(Func<string, string?> pushedDigest) : IRegistry
{
    public List<string> Checked { get; } = [];

    public Task CheckCredentialsAsync(ImageReference repository, RegistryCredentials credentials, CancellationToken cancellation)
    {
        lock (Checked) Checked.Add(repository.ToString());
        return Task.CompletedTask;
    }

    public Task<RemoteIndex?> GetIndexAsync(ImageReference reference, RegistryCredentials? credentials, CancellationToken cancellation) =>
        Task.FromResult(pushedDigest(reference.ToString()) is { } digest ? new RemoteIndex(digest, []) : null);

    public Task<IReadOnlyList<string>> ListTagsAsync(ImageReference repository, RegistryCredentials? credentials, CancellationToken cancellation) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public Task<string> TagAsync(ImageReference manifest, string tag, RegistryCredentials credentials, CancellationToken cancellation) =>
        Task.FromResult(manifest.ManifestReference);

    /// <summary>Never asked: the Dagger tests do not stage.</summary>
    public Task<string> PushLayoutAsync(ImageReference repository, string layout, RegistryCredentials credentials, CancellationToken cancellation) =>
        throw new InvalidOperationException("the in-process stand-in registry takes no pushes by digest");

    /// <summary>Never asked: this stand-in answers every tag as an index.</summary>
    public Task<string> PutIndexAsync(ImageReference reference, IReadOnlyList<RemoteManifest> manifests, RegistryCredentials credentials, CancellationToken cancellation) =>
        throw new InvalidOperationException("the in-process stand-in registry holds no plain manifests");
}

/// <summary>The real core and the Dagger engine against the simulated session, for one release of the real images/.</summary>
internal sealed class Scenario : IDisposable
{
    /// <summary>Recognisable, so that a test can prove it appears in no request.</summary>
    public const string Token = "stand-in-registry-token-5e1f0c7a-MUST-NOT-LEAK";

    public const string TokenVariable = "STAND_IN_TOKEN_VAR";

    public Scenario(string? release = "v1.2.3", SimulatedEngineCache? cache = null)
    {
        Session = new SimulatedDaggerSession { Cache = cache ?? new SimulatedEngineCache() };
        Plan = BuildPlan.Create(CatalogLoader.Load(Repo.Images), new PlanOptions
        {
            Release = release is null ? null : ReleaseTag.Parse(release),
            Revision = "0123456789abcdef0123456789abcdef01234567",
            Created = DateTimeOffset.FromUnixTimeSeconds(1_760_000_000),
        });
        Session.OnExec = PassingSmokeTest;
        Engine = new DaggerEngine(Client, Repo.Images);
        Registry = new StandInRegistry(address => Session.Publishes.LastOrDefault(p => p.Address == address)?.Digest);
    }

    public SimulatedDaggerSession Session { get; }

    public BuildPlan Plan { get; }

    public StringWriter Log { get; } = new();

    public StandInRegistry Registry { get; }

    public DaggerClient Client => client ??= Session.Client();

    public DaggerEngine Engine { get; }

    public static RegistryCredentials Credentials => new("bot", new Secret(Token, $"env://{TokenVariable}"));

    private DaggerClient? client;

    /// <summary>publish-multi-arch through the session; a run that does not complete throws its failure, as the command line does.</summary>
    public async Task<IReadOnlyList<PublishedImage>> PublishAsync(RegistryCredentials? credentials = null)
    {
        var outcome = await new Pipeline(Engine, Log) { RetryDelay = TimeSpan.Zero, PublishAttempts = 1 }
            .PublishAsync(Plan, Registry, credentials ?? Credentials, force: false, CancellationToken.None);
        return outcome.Failure is { } failure ? throw new PipelineFailure(failure) : outcome.Published;
    }

    /// <summary>The node a container of the session was built for: its Dockerfile's folder and its platform.</summary>
    public BuildNode NodeOf(BuildCall build) =>
        Plan.Nodes.Single(n => n.Image.Folder == build.Dockerfile.Split('/')[0] && n.Platform.ToString() == build.Platform);

    /// <summary>Answers an exec as the image would if the tool were right: the output the smoke test expects.</summary>
    public (int, string, string) PassingSmokeTest(ExecCall exec)
    {
        var node = NodeOf(exec.Container.Build!);
        var tests = node.SmokeTests.Where(t => exec.Args.SequenceEqual(["/bin/sh", "-c", t.Run]) && t.User == exec.User).ToList();
        return tests.Count == 0
            ? (127, "", $"simulated session: no smoke test of {node.Id} runs {string.Join(' ', exec.Args)}")
            : (0, string.Join("\n", tests.Select(t => t.Expect)) + "\n", "");
    }

    public void Dispose()
    {
        client?.Dispose();
        Session.Dispose();
    }
}
