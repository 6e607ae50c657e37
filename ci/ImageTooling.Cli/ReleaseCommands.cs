using ImageTooling.Reporting;
using System.CommandLine;
using System.Text.Json;
using ImageTooling.Catalog;
using ImageTooling.Local;
using ImageTooling.Registry;

namespace ImageTooling.Cli;

/// <summary>The commands the workflows call, so that no rule lives in their YAML or shell: branch-tag, dagger-version,
/// dagger-download, release-gate, release-targets, promote, release-notes (and <c>list --json</c>, <c>plan --tag</c> in
/// <see cref="Commands"/>).</summary>
internal static class ReleaseCommands
{
    /// <summary>Options declared once in <see cref="Commands"/> and shared here.</summary>
    public sealed record Shared(Option<string?> Tag, Option<string[]> Image, Option<string?> Registry, Option<string?> Username, Option<string> PasswordEnv, Option<string?> Report, Option<bool> Json);

    private static readonly Argument<string> Branch = new("branch") { Description = "Branch name (refs/heads/ is dropped)" };
    private static readonly Argument<string> Sha = new("sha") { Description = "The branch's head commit SHA (not a pull request's merge commit)" };
    private static readonly Option<string?> Previous = new("--previous") { Description = "The release to compare with (default: the highest stable release tag below --tag)" };
    private static readonly Option<string?> RunReportFile = new("--run-report") { Description = "The run report of publish-multi-arch (its --metadata-file): every version tag must still point at the digest it names" };
    private static readonly Option<string?> GithubOutput = new("--github-output") { Description = "Also append prerelease=true|false and latest=true|false (the semver rule over the repository's git tags) to this file, e.g. $GITHUB_OUTPUT" };
    private static readonly Option<string> Arch = new("--arch") { Description = "The runner's architecture: amd64 or arm64", DefaultValueFactory = _ => "amd64" };
    private static readonly Option<string> DefaultBranch = new("--default-branch") { Description = "The repository's default branch", Required = true };
    private static readonly Option<string> Branches = new("--branches") { Description = "A file of the remote branches that contain the tagged commit, one a line as `git for-each-ref --contains SHA --format='%(objectname) %(refname:lstrip=3)' refs/remotes/origin` prints them", Required = true };
    private static readonly Option<string> GateRepository = new("--repository") { Description = "OWNER/NAME of the repository whose workflow runs to read with gh ($GITHUB_REPOSITORY)", Required = true };
    private static readonly Option<string> Commit = new("--commit") { Description = "The tagged commit ($GITHUB_SHA)", Required = true };
    private static readonly Option<string> GateTag = new("--tag") { Description = "The release tag (named in what to do when no ci run can come)", Required = true };
    private static readonly Option<long> RunId = new("--run-id") { Description = "This release run's id ($GITHUB_RUN_ID)", Required = true };
    private static readonly Option<int> WaitMinutes = new("--wait-minutes") { Description = "How long to wait at most; then the gate fails and says why", Required = true };
    private static readonly Option<int> AppearMinutes = new("--appear-minutes") { Description = "How long a branch head's ci push run may take to be listed", DefaultValueFactory = _ => 10 };
    private static readonly Option<string[]> ExpectDigest = new("--expect-digest") { Description = "IMAGE=sha256:... (repeatable): the version tag must point at this digest", Arity = ArgumentArity.ZeroOrMore };

    public static void AddTo(RootCommand root, TextWriter output, TextWriter error, Shared o)
    {
        Task<int> Run(Func<Task<int>> action, Func<string?>? credentials = null) => Commands.Run(error, action, credentials);

        var branchTag = new Command("branch-tag", "Print the tag of a branch image: BRANCH-SLUG-SHORTSHA") { Branch, Sha };
        branchTag.SetAction(r => Run(() =>
        {
            output.WriteLine(BranchTag.For(r.GetValue(Branch)!, r.GetValue(Sha)!));
            return Task.FromResult(ExitCodes.Ok);
        }));
        root.Subcommands.Add(branchTag);

        var dagger = new Command("dagger-version", "Print the Dagger version pinned in images/catalog.yaml; fails when dagger.json's engineVersion disagrees");
        dagger.SetAction(r => Run(() =>
        {
            var catalog = Commands.LoadCatalog(r);
            var daggerJson = Path.Combine(RepositoryRoot(catalog), "dagger.json");
            output.WriteLine(DaggerVersion.Of(catalog, File.Exists(daggerJson) ? File.ReadAllText(daggerJson) : null));
            return Task.FromResult(ExitCodes.Ok);
        }));
        root.Subcommands.Add(dagger);

        var daggerDownload = new Command("dagger-download", "Print version=, url=, sha256= and archive-path= of the catalog's pinned Dagger CLI tarball (for $GITHUB_OUTPUT): the workflows install the CLI from it") { Arch };
        daggerDownload.SetAction(r => Run(() =>
        {
            var catalog = Commands.LoadCatalog(r);
            var daggerJson = Path.Combine(RepositoryRoot(catalog), "dagger.json");
            output.Write(DaggerDownload.For(catalog, File.Exists(daggerJson) ? File.ReadAllText(daggerJson) : null, r.GetValue(Arch)!).GithubOutput());
            return Task.FromResult(ExitCodes.Ok);
        }));
        root.Subcommands.Add(daggerDownload);

        // The release gate: each command ends with one verdict line, exit 0 when it passed and 1 when it failed (as a GitHub
        // error annotation saying why); the waits print a line per question and end by their limit.
        var gate = new Command("release-gate", "The release gate: the tag's branch, the ci workflow's run of the commit, earlier releases to queue behind");
        var gateBranch = new Command("branch", "Passes when the tagged commit is on the default branch or a release/** branch") { DefaultBranch, Branches };
        gateBranch.SetAction(r => Run(() => Task.FromResult(Verdict(output,
            ReleaseGate.Branch(BranchHead.ParseLines(File.ReadAllLines(r.GetValue(Branches)!)), r.GetValue(DefaultBranch)!)))));
        var gateCi = new Command("ci", "Waits (bounded) for the ci workflow's run of the commit; passes when one succeeded, fails at once when none can come")
            { GateRepository, Commit, GateTag, Branches, WaitMinutes, AppearMinutes };
        gateCi.SetAction((r, ct) => Run(async () =>
        {
            var runs = new GhWorkflowRuns(r.GetValue(GateRepository)!);
            var (commit, tag) = (r.GetValue(Commit)!, r.GetValue(GateTag)!);
            var branches = BranchHead.ParseLines(File.ReadAllLines(r.GetValue(Branches)!));
            var appear = TimeSpan.FromMinutes(r.GetValue(AppearMinutes));
            var limits = new WaitLimits(Minutes(r.GetValue(WaitMinutes)), TimeSpan.FromSeconds(30), "re-run this release once ci passed on the commit");
            return Verdict(output, await GateWait.UntilDecidedAsync(
                async (waited, c) => ReleaseGate.Ci(await runs.ListAsync("ci.yml", commit, c), commit, tag, branches, waited, appear),
                limits, new SystemWaitClock(), output.WriteLine, ct));
        }));
        var gateQueue = new Command("queue", "Waits (bounded) while an earlier release run has not finished") { GateRepository, RunId, WaitMinutes };
        gateQueue.SetAction((r, ct) => Run(async () =>
        {
            var runs = new GhWorkflowRuns(r.GetValue(GateRepository)!);
            var limits = new WaitLimits(Minutes(r.GetValue(WaitMinutes)), TimeSpan.FromSeconds(60), "re-run this release once the earlier ones finished");
            return Verdict(output, await GateWait.UntilDecidedAsync(
                async (_, c) => ReleaseGate.Queue(await runs.ListAsync("release.yml", null, c), r.GetValue(RunId)),
                limits, new SystemWaitClock(), output.WriteLine, ct));
        }));
        gate.Subcommands.Add(gateBranch);
        gate.Subcommands.Add(gateCi);
        gate.Subcommands.Add(gateQueue);
        root.Subcommands.Add(gate);

        var targets = new Command("release-targets", "Check that every version tag points at the digest the publish step reported, and print the images as JSON (the verify matrix)")
            { o.Tag, o.Image, o.Registry, o.Username, o.PasswordEnv, RunReportFile, ExpectDigest };
        targets.SetAction((r, ct) => Run(async () =>
        {
            var plan = ReleasePlan(r, o);
            using var registry = new RegistryClient();
            var checkedTargets = await Promotion.CheckAsync(plan, registry, Commands.Credentials(r), ExpectedDigests(r, plan), error.WriteLine, ct);
            output.WriteLine(JsonSerializer.Serialize(checkedTargets.Select(t => new
            {
                image = t.Target.Image.Name,
                repository = t.Target.Repository,
                digest = t.Index.Digest,
                platforms = t.Index.Manifests.ToDictionary(m => m.Platform, m => m.Digest),
            })));
            return ExitCodes.Ok;
        }, credentials: Commands.Token(r)));
        root.Subcommands.Add(targets);

        var promote = new Command("promote", "Point the floating tags the semver rule allows (vX.Y, vX, latest) at the version tag's digest: a registry-side copy, nothing rebuilt")
            { o.Tag, o.Image, o.Registry, o.Username, o.PasswordEnv, RunReportFile, ExpectDigest, o.Report };
        promote.SetAction((r, ct) => Run(async () =>
        {
            var plan = ReleasePlan(r, o);
            using var registry = new RegistryClient();
            var rows = await Promotion.PromoteAsync(plan, registry, Commands.Credentials(r), ExpectedDigests(r, plan), output.WriteLine, ct);
            return Commands.Summarize(rows, output, r.GetValue(o.Report));
        }, credentials: Commands.Token(r)));
        root.Subcommands.Add(promote);

        var notes = new Command("release-notes", "Print the release's images and tool versions as Markdown, the changes since the previous release marked")
            { o.Tag, Previous, GithubOutput };
        notes.SetAction((r, ct) => Run(async () =>
        {
            var release = ReleaseTag.Parse(r.GetValue(o.Tag) ?? throw new InputError("release-notes needs --tag vX.Y.Z"));
            var working = Commands.LoadCatalog(r);
            var root = RepositoryRoot(working);
            var tags = await Repository.GitAsync(root, ["tag", "--list", "v*"], ct);
            var previous = r.GetValue(Previous) is { } given
                ? ReleaseTag.Parse(given)
                : ReleaseNotes.PreviousStable(release, tags?.Split('\n', StringSplitOptions.RemoveEmptyEntries) ?? []);
            var current = await CatalogAtAsync(root, working, release.ToString(), ct);
            if (current is null)
            {
                error.WriteLine($"note: {release} is not a tag of this repository yet: using the working tree's images/catalog.yaml");
                current = working;
            }
            var before = previous is null ? null
                : await CatalogAtAsync(root, working, previous.ToString(), ct) ?? throw new InputError($"cannot read images/catalog.yaml at {previous}: no such tag here (git fetch --tags?)");
            output.Write(ReleaseNotes.Markdown(release, current, previous, before, await RebuildOfAsync(root, release, previous, ct)));
            if (r.GetValue(GithubOutput) is { } file)
            {
                var latest = FloatingTags.Decide(release, tags?.Split('\n', StringSplitOptions.RemoveEmptyEntries) ?? [], ["latest"])[0];
                error.WriteLine($"GitHub release: {(release.IsStable ? "" : "pre-release, ")}{latest}");
                File.AppendAllText(file, $"prerelease={(!release.IsStable).ToString().ToLowerInvariant()}\nlatest={latest.Moves.ToString().ToLowerInvariant()}\n");
            }
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(notes);
    }

    /// <summary>Prints the gate's verdict, a failure as a GitHub error annotation (one line, why and what to do); its exit code.</summary>
    internal static int Verdict(TextWriter output, GateVerdict verdict)
    {
        output.WriteLine(verdict.State == GateState.Failed ? $"::error::{verdict}" : verdict.ToString());
        return verdict.State == GateState.Passed ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private static TimeSpan Minutes(int minutes) =>
        minutes >= 0 ? TimeSpan.FromMinutes(minutes) : throw new InputError($"--wait-minutes must be 0 or more, got {minutes}");

    /// <summary>What plan says about floating tags; a registry that cannot be read leaves them undecided, said so.</summary>
    public static async Task<string> FloatingTagPlanAsync(BuildPlan plan, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        using var registry = new RegistryClient { Attempts = 2 };
        var decisions = new List<(PublishTarget, IReadOnlyList<FloatingTagDecision>)>();
        try
        {
            foreach (var target in plan.Publish)
                decisions.Add((target, await FloatingTags.DecideAsync(target, plan.Options.Release!, registry, credentials, cancellation)));
        }
        catch (Exception e) when (e is PipelineFailure or InputError)
        {
            return $"\nFloating tags: not decided, the registry's tags could not be read ({e.Message}); publish decides before pushing (or plan with --offline).\n";
        }
        return "\n" + Reports.FloatingTagPlan(decisions);
    }

    private static BuildPlan ReleasePlan(ParseResult r, Shared o) =>
        BuildPlan.Create(Commands.LoadCatalog(r), new PlanOptions
        {
            Release = ReleaseTag.Parse(r.GetValue(o.Tag) ?? throw new InputError("give the release tag: --tag vX.Y.Z")),
            Images = r.GetValue(o.Image) ?? [],
            Registry = r.GetValue(o.Registry),
        });

    /// <summary>The version-tag digests the publish step reported, by repository; null when none were given.</summary>
    private static Dictionary<string, string>? ExpectedDigests(ParseResult r, BuildPlan plan)
    {
        var given = r.GetValue(ExpectDigest) ?? [];
        var file = r.GetValue(RunReportFile);
        if (given.Length == 0 && file is null) return null;
        var expected = new Dictionary<string, string>();
        if (file is not null)
        {
            foreach (var (repository, digest) in RunReport.Read(file).VersionDigests(plan.Options.Release!.ToString()))
                expected[repository] = digest;
            if (expected.Count == 0)
                throw new InputError($"the run report {file} names no digest for {plan.Options.Release}: is it publish-multi-arch's --metadata-file?");
        }
        foreach (var pair in given)
        {
            var eq = pair.IndexOf('=');
            var target = eq > 0 ? plan.Publish.FirstOrDefault(p => p.Image.Name == pair[..eq]) : null;
            if (target is null || !pair[(eq + 1)..].StartsWith("sha256:", StringComparison.Ordinal))
                throw new InputError($"--expect-digest takes IMAGE=sha256:... for a planned image, got '{pair}'");
            expected[target.Repository] = pair[(eq + 1)..];
        }
        return expected;
    }

    /// <summary>Whether the release rebuilds an earlier one: its tag's annotation holds a security rebuild's record, or it
    /// names the same commit as the previous release (a rebuild tagged by hand). Null otherwise, or outside a checkout.</summary>
    private static async Task<RebuildNote?> RebuildOfAsync(string root, ReleaseTag release, ReleaseTag? previous, CancellationToken cancellation)
    {
        var releases = await GitReleases.TryReadAsync(root, cancellation);
        var own = releases.FirstOrDefault(r => r.Tag == release);
        if (own is null) return null;
        if (own.Record is { } record) return new RebuildNote(record.Replaces, own.Commit, record);
        var before = previous is null ? null : releases.FirstOrDefault(r => r.Tag == previous);
        return before is not null && before.Commit == own.Commit ? new RebuildNote(before.Tag, own.Commit, null) : null;
    }

    private static string RepositoryRoot(ImageCatalog catalog) => Path.GetDirectoryName(Path.GetFullPath(catalog.Directory).TrimEnd(Path.DirectorySeparatorChar))!;

    /// <summary>The catalog as committed at a tag, or null when the tag does not exist here.</summary>
    private static async Task<ImageCatalog?> CatalogAtAsync(string root, ImageCatalog working, string tag, CancellationToken cancellation)
    {
        var text = await Repository.GitAsync(root, ["show", $"refs/tags/{tag}:images/{CatalogLoader.FileName}"], cancellation);
        return text is null ? null : CatalogLoader.Parse($"{tag}:images/{CatalogLoader.FileName}", text, working.Directory);
    }

}
