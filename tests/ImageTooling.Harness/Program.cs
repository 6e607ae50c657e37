using ImageTooling.Catalog;
using ImageTooling.Harness;
using ImageTooling.Reporting;

// imagetool-harness serve-standins WORKDIR PORT
//   Generates the release downloads for images/catalog.yaml under WORKDIR/releases (Debian's real
//   binaries where tests/harness/provision.sh extracted them, stand-ins for the rest), a copy of images/
//   that pins their hashes and versions under WORKDIR/images, serves WORKDIR/releases on 127.0.0.1:PORT,
//   prints "ready IMAGES_DIR MIRROR_URL STAND_IN_TOOL,..." and serves until stdin closes or it is killed.
// imagetool-harness registry STATE NAME start ADDRESS DATA STATUS [HTPASSWD] | registry STATE NAME stop
//   Runs (or stops) the harness's registry NAME as tests/harness/provision.sh keeps it: config, pid file and log in
//   STATE/NAME, storage in DATA, answering STATUS on http://ADDRESS/v2/; one line says what it did.
// imagetool-harness test-report PHASES [--release-report FILE] [--markdown FILE] TIER=TRX...
//   The end of the test command (tests/run.sh): failed tests, the timing table and the counts, from its phase file,
//   each tier's TRX file (a tier whose file is missing ran no test) and the shared release's run report. Exit code 1
//   when a test failed or a tier ran none.
switch (args)
{
    case ["serve-standins", var work, var portText] when int.TryParse(portText, out var port):
        return await ServeStandInsAsync(work, port);
    case ["test-report", var phases, .. var rest]:
        return TestReportCommand(phases, rest);
    case ["registry", var state, var name, "start", var address, var data, var statusText, .. var htpasswd] when htpasswd.Length <= 1 && int.TryParse(statusText, out var status):
        return await RegistryCommand(() => new HarnessRegistry(state, name).EnsureAsync(address, data, status, htpasswd.FirstOrDefault(), CancellationToken.None));
    case ["registry", var state, var name, "stop"]:
        return await RegistryCommand(() => Task.FromResult(new HarnessRegistry(state, name).Stop()));
    default:
        Console.Error.WriteLine("usage: imagetool-harness serve-standins WORKDIR PORT");
        Console.Error.WriteLine("       imagetool-harness registry STATE NAME start ADDRESS DATA STATUS [HTPASSWD] | registry STATE NAME stop");
        Console.Error.WriteLine("       imagetool-harness test-report PHASES [--release-report FILE] [--markdown FILE] TIER=TRX...");
        return 2;
}

static async Task<int> ServeStandInsAsync(string work, int port)
{
    var root = Directory.GetCurrentDirectory();
    var catalog = CatalogLoader.Load(Path.Combine(root, "images"));
    var harness = HarnessEnvironment.Load();
    var real = RealTool.Load(Path.Combine(root, "tests", "harness", "real-tools.tsv"), harness["HARNESS_REAL_TOOLS"], harness.Architectures);
    var standIns = StandInReleases.Create(catalog, Path.Combine(work, "releases"), real, harness.Architectures);
    var images = standIns.CatalogCopy(catalog, Path.Combine(work, "images"));
    using var server = new StaticFileServer(standIns.Root, port);
    Console.WriteLine($"ready {images} {server.Url} {string.Join(',', standIns.StandInTools)}");
    await Console.In.ReadToEndAsync();
    await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
    return 0;
}

static int TestReportCommand(string phasesFile, string[] options)
{
    string? releaseReport = null, markdown = null;
    var tiers = new Dictionary<string, IReadOnlyList<TestResult>?>();
    for (var i = 0; i < options.Length; i++)
    {
        switch (options[i])
        {
            case "--release-report" when i + 1 < options.Length:
                releaseReport = options[++i];
                break;
            case "--markdown" when i + 1 < options.Length:
                markdown = options[++i];
                break;
            case var tier when tier.Contains('=', StringComparison.Ordinal):
                var (name, trx) = (tier[..tier.IndexOf('=', StringComparison.Ordinal)], tier[(tier.IndexOf('=', StringComparison.Ordinal) + 1)..]);
                tiers[name] = File.Exists(trx) ? TestResults.Read(name, trx) : null;
                break;
            default:
                Console.Error.WriteLine($"test-report: unknown argument '{options[i]}'");
                return 2;
        }
    }
    var release = releaseReport is not null && File.Exists(releaseReport) ? RunReport.Read(releaseReport) : null;
    var report = new TestReport(File.Exists(phasesFile) ? Phase.Read(phasesFile) : [], tiers, release);
    Console.Write(report.Text());
    if (markdown is not null) File.WriteAllText(markdown, report.Markdown());
    return report.Succeeded ? 0 : 1;
}

static async Task<int> RegistryCommand(Func<Task<string>> act)
{
    try
    {
        Console.WriteLine(await act());
        return 0;
    }
    catch (HarnessError e)
    {
        Console.Error.WriteLine(e.Message);
        return 1;
    }
}
