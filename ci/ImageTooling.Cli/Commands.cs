using ImageTooling.Local;
using ImageTooling.Reporting;
using System.CommandLine;
using ImageTooling.Catalog;
using ImageTooling.Scheduling;

namespace ImageTooling.Cli;

/// <summary>The command tree. Each action maps options onto the core and one engine; nothing else happens here.</summary>
internal static class Commands
{
    private static readonly Option<string?> ImagesDir = new("--images-dir") { Description = "The folder holding catalog.yaml and the Dockerfiles (default: images/ of the repository)", Recursive = true };
    private static readonly Option<string?> Tag = new("--tag") { Description = "Release tag vX.Y.Z or vX.Y.Z-pre: tags vX.Y.Z, and for a stable release vX.Y, vX and latest" };
    private static readonly Option<string?> BranchTag = new("--branch-tag") { Description = "Branch image tag BRANCH-SHORTSHA (never a release tag or latest)" };
    private static readonly Option<string[]> Image = new("--image") { Description = "Only these images (repeatable); their bases are built too but not published", Arity = ArgumentArity.ZeroOrMore };
    private static readonly Option<string[]> PlatformOption = new("--platform") { Description = "Only these platforms (repeatable): linux/amd64, linux/arm64", Arity = ArgumentArity.ZeroOrMore };
    private static readonly Option<string?> RegistryOption = new("--registry") { Description = "Registry namespace to publish to (default: the catalog's, docker.io/best-tools)" };
    private static readonly Option<bool> NoFloatingTags = new("--no-floating-tags") { Description = "Publish only vX.Y.Z, not vX.Y, vX and latest" };
    private static readonly Option<string?> DownloadMirror = new("--download-mirror") { Description = "Fetch upstream downloads from MIRROR/HOST/PATH instead (offline test harness, corporate mirror)" };
    private static readonly Option<string[]> StandIns = new("--stand-in-downloads") { Description = "TOOL: the mirror serves a stand-in for this tool's download (repeatable); smoke tests that need its real behaviour are skipped", Arity = ArgumentArity.ZeroOrMore };
    private static readonly Option<string[]> BaseImage = new("--base-image") { Description = "Replace a pinned base image: NAME=REFERENCE (repeatable)", Arity = ArgumentArity.ZeroOrMore };
    private static readonly Option<string?> Revision = new("--revision") { Description = "Source revision for the labels (default: $GITHUB_SHA or git HEAD)" };
    private static readonly Option<bool> Json = new("--json") { Description = "Print the plan as JSON" };
    private static readonly Option<bool> Markdown = new("--markdown") { Description = "Print a Markdown table (the README's image table)" };
    private static readonly Option<int> Jobs = new("--jobs") { Description = "Builds at once (default: the number of processors)", DefaultValueFactory = _ => Environment.ProcessorCount };
    private static readonly Option<string> EngineOption = new("--engine") { Description = "auto (Dagger inside a Dagger session, else local), local or dagger", DefaultValueFactory = _ => "auto" };
    private static readonly Option<string?> LogDir = new("--log-dir") { Description = "Where build logs go (default: artifacts/logs under the current directory)" };
    private static readonly Option<string?> Username = new("--username") { Description = "Registry user (default: $REGISTRY_USERNAME)" };
    private static readonly Option<string> PasswordEnv = new("--password-env") { Description = "Name of the environment variable holding the registry token", DefaultValueFactory = _ => "REGISTRY_PASSWORD" };
    private static readonly Option<bool> Force = new("--force") { Description = "Replace a release tag that already exists with other content" };
    private static readonly Option<bool> Write = new("--write") { Description = "Pin the upstream sha256 values in images/catalog.yaml" };
    private static readonly Option<bool> ReadmeWrite = new("--write") { Description = "Rewrite the table between the README's markers" };
    private static readonly Option<string?> ReadmePath = new("--readme") { Description = "The README to check or write (default: README.md beside the images folder)" };
    private static readonly Option<bool> Offline = new("--offline") { Description = "Do not read the registry's tags (the plan then lists floating tags as candidates only)" };
    private static readonly Option<string?> Report = new("--report") { Description = "Append a Markdown summary of what was published to this file (e.g. $GITHUB_STEP_SUMMARY)" };
    private static readonly Option<string[]> Staged = new("--staged") { Description = "A run report of 'stage' (repeatable, one per platform runner): the staged digests to assemble", Arity = ArgumentArity.OneOrMore, Required = true };
    private static readonly Option<string?> RegistryCache = new("--registry-cache") { Description = "Local engine: a repository (HOST/PATH) of images by inputs digest; a node built before is pulled from it instead of built, a node built now is pushed to it (podman's own registry login)" };
    private static readonly Option<string?> MetadataFile = new("--metadata-file") { Description = "Write the run report (JSON, docs/run-report.md) to this file; '-' writes it to standard output and the printed lines to standard error" };

    /// <summary>Parses and runs one command line; what the process and the in-process tests both call.</summary>
    /// <param name="processTermination">How long a cancelled command may take to stop on SIGINT/SIGTERM; null leaves the signals alone (tests).</param>
    public static async Task<int> InvokeAsync(
        string[] args, TextWriter output, TextWriter error, bool live = false, TimeSpan? processTermination = null,
        Func<EngineSettings, IImageEngine>? engines = null)
    {
        var parsed = Root(output, error, live, engines).Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors) error.WriteLine($"error: {problem.Message}");
            error.WriteLine("Run 'imagetool --help' for usage.");
            return ExitCodes.BadInput;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = processTermination });
    }

    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error: one-line errors and notes.</param>
    /// <param name="live">Draw a live table of the nodes (a terminal a person watches) instead of plain lines.</param>
    /// <param name="engines">Makes the engine of a run from --engine, the images and the log folder (tests give their own).</param>
    public static RootCommand Root(TextWriter output, TextWriter error, bool live = false, Func<EngineSettings, IImageEngine>? engines = null)
    {
        engines ??= Engines.Create;
        Task<int> Run(Func<Task<int>> action, Func<string?>? credentials = null) => Commands.Run(error, action, credentials);

        var root = new RootCommand("imagetool: build, smoke-test and publish the multi-arch tooling images described in images/catalog.yaml");
        root.Options.Add(ImagesDir);

        var list = new Command("list", "List the images, their tools and pinned versions; --json: the image names (the CI matrix)") { Markdown, Json };
        list.SetAction(r => Run(() =>
        {
            var catalog = LoadCatalog(r);
            output.Write(r.GetValue(Json)
                ? System.Text.Json.JsonSerializer.Serialize(catalog.Images.Select(i => i.Name)) + "\n"
                : Reports.Listing(catalog, r.GetValue(Markdown)));
            return Task.FromResult(ExitCodes.Ok);
        }));
        root.Subcommands.Add(list);

        var plan = new Command("plan", "Print what a run would build, test and publish, without running anything");
        AddPlanOptions(plan);
        plan.Options.Add(Json);
        foreach (var option in new Option[] { Jobs, LogDir, Username, PasswordEnv, Offline })
            plan.Options.Add(option);
        plan.SetAction((r, ct) => Run(async () =>
        {
            var p = await CreatePlanAsync(r, ct);
            output.Write(r.GetValue(Json) ? p.ToJson() + "\n" : p.ToText());
            if (!r.GetValue(Json) && p.Options.Release is not null && !r.GetValue(Offline))
                output.Write(await ReleaseCommands.FloatingTagPlanAsync(p, OptionalCredentials(r), ct));
            if (!r.GetValue(Json))
            {
                var history = DurationHistory.Load(Path.Combine(LogDirectory(r), DurationHistory.FileName), Engines.Machine("auto"));
                output.WriteLine();
                output.Write(ScheduleReports.Plan(Schedule.For(p.Nodes, history.For, smokeTests: true, JobCount(r)), history));
            }
            return ExitCodes.Ok;
        }, credentials: Token(r)));
        root.Subcommands.Add(plan);

        var build = new Command("build", "Build every planned image for every platform");
        AddRunOptions(build);
        build.SetAction((r, ct) => Run(async () =>
        {
            await RunPipeline(r, "build", engines, output, error, live, async (p, plan) => Built(await p.BuildAsync(plan, smokeTest: false, ct)), ct);
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(build);

        var test = new Command("test", "Build every planned image and run its smoke tests in containers of each platform");
        AddRunOptions(test);
        test.SetAction((r, ct) => Run(async () =>
        {
            var tested = await RunPipeline(r, "test", engines, output, error, live, async (p, plan) => Built(await p.BuildAsync(plan, smokeTest: true, ct)), ct);
            Printed(r, output, error).WriteLine($"All smoke tests passed on {tested.Build!.Built.Count} images.");
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(test);

        var checksums = new Command("checksums", "Compare pinned sha256 values with upstream (needs the internet); --write pins upstream's") { Write, DownloadMirror };
        checksums.SetAction((r, ct) => Run(() => ChecksumRefresh.RunAsync(LoadCatalog(r), r.GetValue(DownloadMirror), r.GetValue(Write), output, ct)));
        root.Subcommands.Add(checksums);

        var readme = new Command("readme", "Check README.md's image table against the catalog; --write regenerates it") { ReadmeWrite, ReadmePath };
        readme.SetAction(r => Run(() =>
        {
            var images = Repository.ImagesDirectory(r.GetValue(ImagesDir));
            var path = r.GetValue(ReadmePath) ?? Path.Combine(images, "..", "README.md");
            return Task.FromResult(ReadmeTable.Run(CatalogLoader.Load(images), Path.GetFullPath(path), r.GetValue(ReadmeWrite), output));
        }));
        root.Subcommands.Add(readme);

        var publish = new Command("publish-multi-arch", "Build, smoke-test, then publish one multi-arch index per image: version tag first, floating tags last") { Username, PasswordEnv, Force, Report };
        AddRunOptions(publish);
        publish.SetAction((r, ct) => Run(async () =>
        {
            var credentials = Credentials(r);
            using var registry = new ImageTooling.Registry.RegistryClient();
            var outcome = await RunPipeline(r, "publish-multi-arch", engines, output, error, live, (p, plan) => p.PublishAsync(plan, registry, credentials, r.GetValue(Force), ct), ct);
            return Summarize(r, outcome.Published, output, error);
        }, credentials: Token(r)));
        root.Subcommands.Add(publish);

        var stage = new Command("stage", "Build and smoke-test the planned platforms, then push each image's variants by digest with no tag (for 'assemble')") { Username, PasswordEnv };
        AddRunOptions(stage);
        stage.SetAction((r, ct) => Run(async () =>
        {
            var credentials = Credentials(r);
            using var registry = new ImageTooling.Registry.RegistryClient();
            var outcome = await RunPipeline(r, "stage", engines, output, error, live, (p, plan) => p.StageAsync(plan, registry, credentials, ct), ct);
            Printed(r, output, error).WriteLine($"Staged {outcome.Staged.Count} platform images by digest; nothing was tagged.");
            return ExitCodes.Ok;
        }, credentials: Token(r)));
        root.Subcommands.Add(stage);

        var assemble = new Command("assemble", "Put each image's index together registry-side from staged platform digests, then tag it as publish-multi-arch does")
        {
            Staged, Username, PasswordEnv, Force, Report, MetadataFile,
        };
        AddPlanOptions(assemble);
        assemble.SetAction((r, ct) => Run(async () =>
        {
            var staged = (r.GetValue(Staged) ?? []).SelectMany(file => RunReport.Read(file).Staged).ToList();
            var credentials = Credentials(r);
            using var registry = new ImageTooling.Registry.RegistryClient();
            // Registry-side only: no engine is made, none is named.
            var plan = await CreatePlanAsync(r, ct);
            var run = new PipelineRun("assemble", "none (registry only)", LogDirectory(r), r.GetValue(MetadataFile), Engines.Machine("local"), output);
            var outcome = await run.RunAsync(plan, Printed(r, output, error), live: false,
                settings => new ReleaseAssembly(registry, credentials, settings.Log).RunAsync(plan, staged, r.GetValue(Force), ct));
            return Summarize(r, outcome.Published, output, error);
        }, credentials: Token(r)));
        root.Subcommands.Add(assemble);

        var stagedTargets = new Command("staged-targets", "Print, as JSON, each image's repository and the digest each platform was staged as (the release's scan matrix, before any tag); fails unless every platform of every image was staged")
        {
            Staged,
        };
        AddPlanOptions(stagedTargets);
        stagedTargets.SetAction((r, ct) => Run(async () =>
        {
            var staged = (r.GetValue(Staged) ?? []).SelectMany(file => RunReport.Read(file).Staged).ToList();
            var targets = StagedTargets.For(await CreatePlanAsync(r, ct), staged);
            output.WriteLine(System.Text.Json.JsonSerializer.Serialize(targets.Select(t => new { image = t.Image, repository = t.Repository, platforms = t.Platforms })));
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(stagedTargets);

        var security = new Command("security-status",
            "Check a published tag (default latest) for the Debian security fixes its images lack and the tools with another version available; exit 1 when something waits")
        {
            SecurityStatusCommand.Tag, SecurityStatusCommand.Archive, Image, PlatformOption, RegistryOption, BaseImage, Username, PasswordEnv, LogDir, MetadataFile,
        };
        security.SetAction((r, ct) => Run(async () => await SecurityStatusCommand.RunAsync(
            await CreatePlanAsync(r, ct), r.GetValue(SecurityStatusCommand.Tag)!, r.GetValue(SecurityStatusCommand.Archive), OptionalCredentials(r),
            LogDirectory(r), r.GetValue(MetadataFile), output, error, ct),
            credentials: Token(r)));
        root.Subcommands.Add(security);
        root.Subcommands.Add(SecurityTargetsCommand.Create(output, error, Image, RegistryOption, Username, PasswordEnv));
        root.Subcommands.Add(SecurityRebuildCommand.Create(output, error));
        root.Subcommands.Add(NugetAdvisoriesCommand.Create(output, error));

        ReleaseCommands.AddTo(root, output, error, new ReleaseCommands.Shared(Tag, Image, RegistryOption, Username, PasswordEnv, Report, Json));
        return root;
    }

    private static void AddPlanOptions(Command command)
    {
        foreach (var option in new Option[] { Tag, BranchTag, Image, PlatformOption, RegistryOption, NoFloatingTags, DownloadMirror, StandIns, BaseImage, Revision })
            command.Options.Add(option);
    }

    private static void AddRunOptions(Command command)
    {
        AddPlanOptions(command);
        foreach (var option in new Option[] { Jobs, EngineOption, LogDir, MetadataFile, RegistryCache })
            command.Options.Add(option);
    }

    /// <summary>Turns exceptions into one line and an exit code; a secret's value is scrubbed from anything printed.</summary>
    internal static async Task<int> Run(TextWriter error, Func<Task<int>> action, Func<string?>? credentials = null)
    {
        try
        {
            return await action();
        }
        catch (InputError e)
        {
            error.WriteLine($"error: {Scrub(e.Message, credentials)}");
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("error: cancelled");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            error.WriteLine($"error: {Scrub(e.Message, credentials)}");
            return ExitCodes.Failure;
        }
    }

    private static string Scrub(string message, Func<string?>? credentials) =>
        credentials?.Invoke() is { Length: > 0 } secret ? message.Replace(secret, "***") : message;

    internal static ImageCatalog LoadCatalog(ParseResult r) => CatalogLoader.Load(Repository.ImagesDirectory(r.GetValue(ImagesDir)));

    private static async Task<BuildPlan> CreatePlanAsync(ParseResult r, CancellationToken cancellation)
    {
        var catalog = LoadCatalog(r);
        var overrides = new Dictionary<string, string>();
        foreach (var pair in r.GetValue(BaseImage) ?? [])
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new InputError($"--base-image takes NAME=REFERENCE, got '{pair}'");
            overrides[pair[..eq]] = pair[(eq + 1)..];
        }
        var root = Directory.GetCurrentDirectory(); // the checkout whose commit the labels name
        return BuildPlan.Create(catalog, new PlanOptions
        {
            Release = r.GetValue(Tag) is { } tag ? ReleaseTag.Parse(tag) : null,
            BranchTag = r.GetValue(BranchTag),
            Images = r.GetValue(Image) ?? [],
            Platforms = r.GetValue(PlatformOption) ?? [],
            Registry = r.GetValue(RegistryOption),
            FloatingTags = !r.GetValue(NoFloatingTags),
            DownloadMirror = r.GetValue(DownloadMirror),
            StandInTools = r.GetValue(StandIns) ?? [],
            BaseImageOverrides = overrides,
            Revision = r.GetValue(Revision) ?? await Repository.RevisionAsync(root, cancellation),
            Created = await Repository.CreatedAsync(root, cancellation),
        });
    }

    /// <summary>A build-only flow's outcome as a run's: what it built, nothing published, its failure.</summary>
    private static ReleaseOutcome Built(BuildOutcome build) => new(build, [], [], build.Failure);

    private static async Task<ReleaseOutcome> RunPipeline(
        ParseResult r, string command, Func<EngineSettings, IImageEngine> engines, TextWriter output, TextWriter error, bool live,
        Func<Pipeline, BuildPlan, Task<ReleaseOutcome>> run, CancellationToken cancellation)
    {
        var plan = await CreatePlanAsync(r, cancellation);
        var images = Path.GetFullPath(Repository.ImagesDirectory(r.GetValue(ImagesDir)));
        var logs = LogDirectory(r);
        var kind = r.GetValue(EngineOption)!;
        var jobs = JobCount(r);
        var engine = engines(new EngineSettings(kind, images, logs, CacheRepository(r), PodmanEngine.IsNativeOnly(plan.Nodes.Select(n => n.Platform))));
        var pipelineRun = new PipelineRun(command, engine.Name, logs, r.GetValue(MetadataFile), Engines.Machine(kind), output);
        return await pipelineRun.RunAsync(plan, Printed(r, output, error), live,
            settings => run(new Pipeline(engine, settings.Log, jobs) { Expected = settings.Expected, Observer = settings.Observer }, plan));
    }

    private static int Summarize(ParseResult r, IReadOnlyList<PublishedImage> published, TextWriter output, TextWriter error) =>
        Summarize(published, Printed(r, output, error), r.GetValue(Report));

    /// <summary>The Markdown table of what was published, printed and, with --report, appended to that file.</summary>
    internal static int Summarize(IReadOnlyList<PublishedImage> published, TextWriter printed, string? reportFile)
    {
        var summary = Reports.Published(published);
        printed.Write(summary);
        if (reportFile is not null) File.AppendAllText(reportFile, summary);
        return ExitCodes.Ok;
    }

    /// <summary>The registry token a command reads (the variable --password-env names), for scrubbing it from what is printed.</summary>
    internal static Func<string?> Token(ParseResult r) => () => Environment.GetEnvironmentVariable(r.GetValue(PasswordEnv)!);

    /// <summary>Where the lines for people go: standard error when the run report takes standard output.</summary>
    private static TextWriter Printed(ParseResult r, TextWriter output, TextWriter error) => r.GetValue(MetadataFile) == "-" ? error : output;

    private static int JobCount(ParseResult r)
    {
        var jobs = r.GetValue(Jobs);
        return jobs >= 1 ? jobs : throw new InputError($"--jobs must be at least 1, got {jobs}");
    }

    private static string? CacheRepository(ParseResult r)
    {
        if (r.GetValue(RegistryCache) is not { } cache) return null;
        var reference = ImageReference.Parse(cache);
        var repository = reference.Tag is null && reference.Digest is null && !cache.Contains("://", StringComparison.Ordinal)
            && cache.StartsWith($"{reference.Host}/", StringComparison.Ordinal) && reference.Path.Length > 0;
        return repository
            ? cache
            : throw new InputError($"--registry-cache takes a repository HOST/PATH without tag or digest (imagetool tags each cached image by its inputs), got '{cache}'");
    }

    private static string LogDirectory(ParseResult r) => r.GetValue(LogDir) ?? Path.Combine(Directory.GetCurrentDirectory(), "artifacts", "logs");

    internal static RegistryCredentials Credentials(ParseResult r)
    {
        var user = r.GetValue(Username) ?? Environment.GetEnvironmentVariable("REGISTRY_USERNAME");
        if (string.IsNullOrEmpty(user))
            throw new InputError("missing credentials: give --username (or set REGISTRY_USERNAME) and the token in $REGISTRY_PASSWORD (or the variable named by --password-env)");
        return new RegistryCredentials(user, Secret.FromEnvironment(r.GetValue(PasswordEnv)!));
    }

    /// <summary>Credentials when a user is given and the token variable is set; null reads the registry anonymously.</summary>
    internal static RegistryCredentials? OptionalCredentials(ParseResult r)
    {
        var user = r.GetValue(Username) ?? Environment.GetEnvironmentVariable("REGISTRY_USERNAME");
        return string.IsNullOrEmpty(user) || Environment.GetEnvironmentVariable(r.GetValue(PasswordEnv)!) is not { Length: > 0 }
            ? null
            : new RegistryCredentials(user, Secret.FromEnvironment(r.GetValue(PasswordEnv)!));
    }
}
