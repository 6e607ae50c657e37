namespace ImageTooling.EndToEnd;

/// <summary>
/// What tests/harness/provision.sh set up on this machine (a real registry with htpasswd auth on
/// 127.0.0.1:5000, a docker.io mirror holding Debian trixie base images made with mmdebstrap, binfmt
/// for arm64), plus the stand-in download server this fixture starts. See tests/harness/README.md.
/// </summary>
public sealed class Harness : IDisposable
{
    /// <summary>Fixed, so that repeated runs pass the same download URLs and hit the build cache.</summary>
    public static int DownloadPort { get; } = int.TryParse(System.Environment.GetEnvironmentVariable("HARNESS_DOWNLOAD_PORT"), out var port) ? port : 18080;

    private readonly StaticFileServer server;

    public Harness()
    {
        Environment = HarnessEnvironment.Load();
        Registry = Environment["HARNESS_REGISTRY"];
        User = Environment["HARNESS_REGISTRY_USER"];
        Password = File.ReadAllText(Environment["HARNESS_REGISTRY_PASSWORD_FILE"]).Trim();
        DebianImage = Environment["HARNESS_DEBIAN_IMAGE"];

        var catalog = CatalogLoader.Load(Path.Combine(TestRepository.Root, "images"));
        var work = Path.Combine(TestRepository.Root, "artifacts", "e2e");
        var real = RealTool.Load(Path.Combine(TestRepository.Root, "tests", "harness", "real-tools.tsv"), Environment["HARNESS_REAL_TOOLS"], Environment.Architectures);
        StandIns = StandInReleases.Create(catalog, Path.Combine(work, "releases"), real, Environment.Architectures);
        ImagesWithStandIns = StandIns.CatalogCopy(catalog, Path.Combine(work, "images"));
        Catalog = CatalogLoader.Load(ImagesWithStandIns);
        server = new StaticFileServer(StandIns.Root, DownloadPort);
        RunId = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss");
    }

    /// <summary>What provision.sh set up: the registries, the base image and the platforms (both, or one on a CI leg).</summary>
    public HarnessEnvironment Environment { get; }

    /// <summary>The platforms the tests build and run: those provisioned.</summary>
    public IReadOnlyList<Platform> Platforms => Environment.Platforms;

    /// <summary>The one platform of the flows that need no second: the native one where provisioned.</summary>
    public Platform Quick => Environment.Quick;

    /// <summary>imagetool's <c>--platform</c> options for every provisioned platform.</summary>
    public IEnumerable<string> PlatformOptions => Platforms.SelectMany(p => new[] { "--platform", p.ToString() });

    /// <summary>The catalog the runs build from (real tools at Debian's versions), for the versions the smoke tests must report.</summary>
    public ImageCatalog Catalog { get; }
    public string Registry { get; }
    public string User { get; }
    public string Password { get; }
    public string DebianImage { get; }
    public string RunId { get; }
    internal StandInReleases StandIns { get; }
    public string ImagesWithStandIns { get; }
    public int Downloads => server.Requests;
    public RegistryCredentials Credentials => new(User, new Secret(Password));

    /// <summary>imagetool with the harness's base image, on the catalog copy that pins the downloads it serves (real where Debian has the tool, else stand-ins).</summary>
    internal Imagetool.Result Run(ITestOutputHelper output, IDictionary<string, string?>? env, params string[] args) =>
        Run(output, env, interruptWhen: null, args);

    internal Imagetool.Result Run(ITestOutputHelper output, IDictionary<string, string?>? env, Func<string, bool>? interruptWhen, params string[] args) =>
        RunOn(ImagesWithStandIns, $"http://127.0.0.1:{DownloadPort}", output, env, interruptWhen, args);

    /// <summary>imagetool on another catalog copy and download mirror (the tampered-download tests make their own).</summary>
    internal Imagetool.Result RunOn(string imagesDir, string mirror, ITestOutputHelper output, IDictionary<string, string?>? env, Func<string, bool>? interruptWhen, params string[] args)
    {
        List<string> all = [.. args, "--base-image", $"debian={DebianImage}", "--images-dir", imagesDir, "--download-mirror", mirror,
            .. StandIns.StandInTools.SelectMany(t => new[] { "--stand-in-downloads", t })];
        return Execute(output, env, interruptWhen, all);
    }

    /// <summary>imagetool for a command that builds nothing (security-status): the harness's catalog copy and base image only.</summary>
    internal Imagetool.Result RunWithoutBuilding(ITestOutputHelper output, IDictionary<string, string?>? env, params string[] args) =>
        Execute(output, env, interruptWhen: null, [.. args, "--base-image", $"debian={DebianImage}", "--images-dir", ImagesWithStandIns]);

    private static Imagetool.Result Execute(ITestOutputHelper output, IDictionary<string, string?>? env, Func<string, bool>? interruptWhen, List<string> all)
    {
        output.WriteLine($"$ imagetool {string.Join(' ', all)}");
        var result = Imagetool.Run(env, line => output.WriteLine(line), interruptWhen, [.. all]);
        output.WriteLine($"(exit {result.Exit} after {result.Took.TotalSeconds:0}s)");
        return result;
    }

    public Dictionary<string, string?> PasswordEnv(string? password = null) => new() { ["REGISTRY_PASSWORD"] = password ?? Password };

    private readonly Lock releaseLock = new();
    private Imagetool.Result? release;

    /// <summary>The run report of the full release run (imagetool's --metadata-file).</summary>
    public string ReleaseReport { get; } = Path.Combine(TestRepository.Root, "artifacts", "e2e", "release-report.json");

    /// <summary>The registry namespace of the full release run.</summary>
    public string ReleaseNamespace => $"{Registry}/e2e-{RunId}";

    /// <summary>
    /// One full release, shared by the tests that check different sides of it: every image built for
    /// every provisioned platform, every smoke test run in containers of each, then published as v1.2.3. The first
    /// test to ask streams its output; the emulated arm64 smoke tests are too slow to repeat per test.
    /// </summary>
    internal Imagetool.Result Release(ITestOutputHelper output)
    {
        lock (releaseLock)
        {
            if (release is not null)
            {
                output.WriteLine($"(the shared release run to {ReleaseNamespace} ran in an earlier test; its output is there)");
                return release;
            }
            return release = Run(output, PasswordEnv(), ["publish-multi-arch", "--tag", "v1.2.3", "--registry", ReleaseNamespace, "--username", User,
                "--metadata-file", ReleaseReport, .. PlatformOptions]);
        }
    }

    /// <summary>skopeo with the harness registry's credentials in a temporary auth file (never on its command line).</summary>
    internal ProcessResult Skopeo(params string[] args) =>
        WithAuthFile(auth => TestProcess.Run("skopeo", [args[0], "--authfile", auth, .. args[1..]], timeout: TimeSpan.FromMinutes(15)));

    /// <summary>Runs <paramref name="use"/> with a temporary containers auth file holding the harness registry's login.</summary>
    internal T WithAuthFile<T>(Func<string, T> use)
    {
        var temp = Directory.CreateTempSubdirectory("imagetool-e2e-auth-");
        try
        {
            var auth = Path.Combine(temp.FullName, "auth.json");
            var token = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{User}:{Password}"));
            File.WriteAllText(auth, System.Text.Json.JsonSerializer.Serialize(new { auths = new Dictionary<string, object> { [Registry] = new { auth = token } } }));
            return use(auth);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    public void Dispose() => server.Dispose();
}

[CollectionDefinition(nameof(HarnessCollection))]
public sealed class HarnessCollection : ICollectionFixture<Harness>;
