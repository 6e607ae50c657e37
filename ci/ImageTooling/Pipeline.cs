using System.Collections.Concurrent;
using System.Diagnostics;
using ImageTooling.Catalog;
using ImageTooling.Scheduling;

namespace ImageTooling;

/// <summary>
/// Carries a <see cref="BuildPlan"/> out on an engine: build every node (a node waits only for its
/// base), smoke-test every node, and only when all of that passed, publish — version tags first,
/// floating tags (<c>vX.Y</c>, <c>vX</c>, <c>latest</c>) after every version tag has landed.
/// </summary>
public sealed class Pipeline(IImageEngine engine, TextWriter log, int jobs = 2)
{
    public int PublishAttempts { get; init; } = 4;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Expected times that order the ready work (longest remaining path first); by default the catalog's hints.</summary>
    public Func<BuildNode, ExpectedTime> Expected { get; init; } = ExpectedTime.FromCatalog;
    public IPipelineObserver? Observer { get; init; }
    /// <summary>The nodes of the last <see cref="BuildAsync"/>, with their timings (also after a failure).</summary>
    public RunBoard? LastRun { get; private set; }
    /// <summary>What the last <see cref="PublishAsync"/> pushed, kept or left, in order (also after a failure).</summary>
    public IReadOnlyList<PublishedImage> LastPublished { get; private set; } = [];

    public async Task<IReadOnlyList<BuiltImage>> BuildAsync(BuildPlan plan, bool smokeTest, CancellationToken cancellation)
    {
        await engine.CheckReadyAsync(cancellation);
        Say($"{engine.Name}: {plan.Nodes.Count} builds, up to {jobs} at once{(smokeTest ? ", then each smoke test in a slot of its own" : "")}");
        var schedule = Schedule.For(plan.Nodes, Expected, smokeTest, jobs);
        var board = LastRun = new RunBoard(schedule, Observer);
        // A derived node waits only for its base's build; smoke tests run beside later builds, and every one of them
        // must pass before this returns (and so before anything is published). What failed, and why, is in `failures`.
        var failures = new ConcurrentDictionary<BuildNode, string>();
        var built = new ConcurrentDictionary<BuildNode, BuiltImage>();
        await new GraphExecutor(schedule).RunAsync(
            work => work.Test is { } test
                ? SmokeTestAsync(built[work.Node], test, plan.Options, board, cancellation)
                : BuildNodeAsync(work.Node, work.Node.Base is { } parent ? built[parent] : null, board, smokeTest, built, failures, cancellation),
            ready: work => board.Ready(work.Node),
            notRun: (work, reason) =>
            {
                if (work.Test is { } test) board.TestFinished(work.Node, test, null);
                else board.Move(work.Node, NodeStage.Failed);
                failures.TryAdd(work.Node, reason);
            },
            cancellation);
        foreach (var status in board.Statuses.Where(s => s.Smoke.Any(t => t.Outcome == SmokeOutcome.Failed)))
            failures.TryAdd(status.Node, "smoke tests failed: " + string.Join("; ", status.Smoke.Where(t => t.Outcome == SmokeOutcome.Failed)
                .Select(t => $"'{t.Name}' (exit {t.ExitCode}, expected output containing '{status.Node.SmokeTests.First(x => x.Name == t.Name).Expect}', got '{t.FirstLine}')")));
        if (!failures.IsEmpty)
        {
            var lines = plan.Nodes.Where(failures.ContainsKey).Select(n => $"  {n.Id}: {failures[n]}");
            throw new PipelineFailure($"{failures.Count} of {plan.Nodes.Count} images failed; nothing was published:\n{string.Join("\n", lines)}");
        }
        if (smokeTest) Say($"smoke tests: {SmokeCounts.Of(board.Statuses.SelectMany(s => s.Smoke))}");
        return plan.Nodes.Select(n => built[n]).ToList();
    }

    private static string Reason(Exception e) => e is OperationCanceledException ? "cancelled" : e.Message;

    /// <summary>Builds one node on its base's image; whether it was built (a failure is recorded in <paramref name="failures"/>).</summary>
    private async Task<bool> BuildNodeAsync(
        BuildNode node, BuiltImage? baseImage, RunBoard board, bool smokeTest, ConcurrentDictionary<BuildNode, BuiltImage> built,
        ConcurrentDictionary<BuildNode, string> failures, CancellationToken cancellation)
    {
        try
        {
            Say($"[build] {node.Id} ...");
            board.Move(node, NodeStage.Building);
            var clock = Stopwatch.StartNew();
            built[node] = await engine.BuildAsync(node, baseImage, cancellation);
            Say($"[build] {node.Id} done in {clock.Elapsed.TotalSeconds:0.0}s");
            var untested = !smokeTest || node.SmokeTests.Count == 0;
            board.Move(node, untested ? NodeStage.Done : NodeStage.Built, buildSeconds: clock.Elapsed.TotalSeconds, fromCache: built[node].FromCache);
            return true;
        }
        catch (Exception e)
        {
            board.Move(node, NodeStage.Failed);
            failures[node] = Reason(e);
            return false;
        }
    }

    /// <summary>Runs one smoke test of a built node in a container of it; whether it passed (its result goes on the board).</summary>
    private async Task<bool> SmokeTestAsync(BuiltImage image, SmokeTest test, PlanOptions options, RunBoard board, CancellationToken cancellation)
    {
        var node = image.Node;
        var onStandIn = test.Tool is { } tool && options.StandInTools.Contains(tool);
        if (onStandIn && test.NeedsRealTool)
        {
            Say($"[test]  {node.Id} {test.Name}: skipped (needs the real {test.Tool}; this run uses a stand-in for it)");
            board.TestFinished(node, test, new SmokeResult(test.Name, SmokeOutcome.Skipped, null, "", test.Tool, onStandIn));
            return true;
        }
        board.TestStarted(node);
        var clock = Stopwatch.StartNew();
        SmokeResult result;
        try
        {
            var run = await engine.RunAsync(image, test, cancellation);
            var passed = run.ExitCode == 0 && run.Output.Contains(test.Expect, StringComparison.Ordinal);
            result = new SmokeResult(test.Name, passed ? SmokeOutcome.Passed : SmokeOutcome.Failed, run.ExitCode, FirstLine(run.Output), test.Tool, onStandIn,
                Math.Round(clock.Elapsed.TotalSeconds, 1));
        }
        catch (Exception e)
        {
            result = new SmokeResult(test.Name, SmokeOutcome.Failed, null, Reason(e), test.Tool, onStandIn, Math.Round(clock.Elapsed.TotalSeconds, 1));
        }
        Say($"[test]  {node.Id} {test.Name}: {(result.Outcome == SmokeOutcome.Passed ? "ok" : "FAILED")} ({result.FirstLine}) in {result.Seconds:0.0}s");
        board.TestFinished(node, test, result);
        return result.Outcome == SmokeOutcome.Passed;
    }

    private static string FirstLine(string output)
    {
        var line = output.Trim().Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
        return line.Length > 120 ? line[..120] + "..." : line;
    }

    /// <summary>Refuses before building when the registry does not take the credentials.</summary>
    public async Task CheckCredentialsAsync(BuildPlan plan, IRegistry registry, RegistryCredentials credentials, CancellationToken cancellation)
    {
        await engine.CheckCredentialsAsync(credentials, cancellation);
        foreach (var target in plan.Publish)
            await registry.CheckCredentialsAsync(target.Repository, credentials, cancellation);
        Say($"[auth]  {credentials.Username} may push to {string.Join(", ", plan.Publish.Select(p => p.Repository))}");
    }

    public async Task<IReadOnlyList<PublishedImage>> PublishAsync(
        BuildPlan plan, IRegistry registry, RegistryCredentials credentials, bool force, CancellationToken cancellation)
    {
        RequireTags(plan);
        await CheckCredentialsAsync(plan, registry, credentials, cancellation);
        var built = await BuildAsync(plan, smokeTest: true, cancellation);
        var variants = plan.Publish.ToDictionary(p => p, p => built.Where(b => b.Node.Image == p.Image).ToList());
        return await ReleaseAsync(plan, registry, credentials, force,
            (target, index) => SameContent(index, variants[target]),
            (target, tag) => PushAsync(target, tag, variants[target], registry, credentials, cancellation),
            cancellation);
    }

    /// <summary>
    /// Builds and smoke-tests the plan's platforms, then pushes every image's variants by digest with no tag: nothing
    /// a user pulls changes. <see cref="AssembleAsync"/> later makes the release from what every platform staged.
    /// </summary>
    public async Task<IReadOnlyList<StagedImage>> StageAsync(BuildPlan plan, IRegistry registry, RegistryCredentials credentials, CancellationToken cancellation)
    {
        RequireTags(plan);
        await CheckCredentialsAsync(plan, registry, credentials, cancellation);
        var built = await BuildAsync(plan, smokeTest: true, cancellation);
        var staged = new List<StagedImage>();
        LastStaged = staged;
        foreach (var target in plan.Publish)
        {
            foreach (var variant in built.Where(b => b.Node.Image == target.Image))
            {
                var layout = Directory.CreateTempSubdirectory("imagetool-stage-");
                try
                {
                    var clock = Stopwatch.StartNew();
                    await engine.ExportLayoutAsync(variant, layout.FullName, cancellation);
                    var digest = await registry.PushLayoutAsync(target.Repository, layout.FullName, credentials, cancellation);
                    Say($"[stage] {target.Repository}@{digest} ({variant.Node.Platform}, no tag) in {clock.Elapsed.TotalSeconds:0.0}s");
                    staged.Add(new StagedImage(target.Image.Name, target.Repository, variant.Node.Platform.ToString(), digest,
                        variant.Node.Labels.GetValueOrDefault(InputsDigest.Label)));
                }
                catch (Exception e) when (e is not (OperationCanceledException or PipelineFailure))
                {
                    throw new PipelineFailure($"staging {variant.Node.Id} in {target.Repository} failed (images were built): {e.Message}", e);
                }
                finally
                {
                    layout.Delete(recursive: true);
                }
            }
        }
        return staged;
    }

    /// <summary>What the last <see cref="StageAsync"/> pushed by digest, in order (also after a failure).</summary>
    public IReadOnlyList<StagedImage> LastStaged { get; private set; } = [];

    /// <summary>
    /// Makes the release from staged platform images, registry-side and without building: every platform the plan
    /// has must be staged, in the image's own repository, built from this plan's inputs; then each image's index is put
    /// under its version tag and the floating tags move, under the same rules as <see cref="PublishAsync"/>. The same
    /// staged digests always make the same index, so a re-run changes nothing.
    /// </summary>
    public async Task<IReadOnlyList<PublishedImage>> AssembleAsync(
        BuildPlan plan, IReadOnlyList<StagedImage> staged, IRegistry registry, RegistryCredentials credentials, bool force, CancellationToken cancellation)
    {
        RequireTags(plan);
        await CheckCredentialsAsync(plan, registry, credentials, cancellation);
        var manifests = new Dictionary<PublishTarget, List<RemoteManifest>>();
        var problems = new List<string>();
        foreach (var target in plan.Publish)
        {
            manifests[target] = [];
            foreach (var node in plan.Nodes.Where(n => n.Image == target.Image))
            {
                var platform = node.Platform.ToString();
                var candidates = staged.Where(s => s.Image == target.Image.Name && s.Platform == platform).ToList();
                if (candidates.Count == 0)
                {
                    problems.Add($"{target.Image.Name} {platform}: nothing staged (stage it with: imagetool stage --platform {platform})");
                    continue;
                }
                if (candidates.Select(c => c.Digest).Distinct().Count() > 1)
                {
                    problems.Add($"{target.Image.Name} {platform}: staged more than once with different digests ({string.Join(", ", candidates.Select(c => c.Digest).Distinct())})");
                    continue;
                }
                var candidate = candidates[0];
                if (candidate.Repository != target.Repository)
                {
                    problems.Add($"{target.Image.Name} {platform}: staged in {candidate.Repository}, not in {target.Repository}");
                    continue;
                }
                var remote = await registry.GetIndexAsync(target.Repository, candidate.Digest, credentials, cancellation);
                var expectedInputs = node.Labels.GetValueOrDefault(InputsDigest.Label);
                if (remote is not { IsPlainManifest: true, Manifests: [var manifest] })
                    problems.Add($"{target.Image.Name} {platform}: {target.Repository}@{candidate.Digest} is {(remote is null ? "not in the registry" : "not one image manifest")}");
                else if (manifest.Platform != platform)
                    problems.Add($"{target.Image.Name} {platform}: {target.Repository}@{candidate.Digest} is a {manifest.Platform} image");
                else if (manifest.Inputs != expectedInputs)
                    problems.Add($"{target.Image.Name} {platform}: {target.Repository}@{candidate.Digest} was built from other inputs ({manifest.Inputs ?? "no inputs label"}; this commit's are {expectedInputs})");
                else
                    manifests[target].Add(manifest);
            }
        }
        if (problems.Count > 0)
            throw new InputError($"cannot assemble the release, nothing was tagged:\n  {string.Join("\n  ", problems)}");

        // Already released when the tag's index holds these platforms as these digests or, staged again by a re-run of
        // every runner, built from the same inputs (as publish-multi-arch compares a build with an existing tag).
        return await ReleaseAsync(plan, registry, credentials, force,
            (target, index) => !index.IsPlainManifest && index.Manifests.Count == manifests[target].Count
                && manifests[target].All(s => index.Manifests.Any(m => m.Platform == s.Platform
                    && (m.Digest == s.Digest || (m.Inputs is not null && m.Inputs == s.Inputs)))),
            async (target, tag) =>
            {
                var digest = await registry.PutIndexAsync(target.Repository, tag, manifests[target], credentials, cancellation);
                Say($"[push]  {target.Reference(tag)} -> {digest} (assembled from {string.Join(", ", manifests[target].Select(m => m.Platform))})");
                return new PublishedImage(target.Repository, tag, digest, Unchanged: false) { Platforms = manifests[target].ToDictionary(m => m.Platform, m => m.Digest) };
            },
            cancellation);
    }

    private static void RequireTags(BuildPlan plan)
    {
        if (plan.Publish.Count == 0 || plan.Publish[0].Tags.Count == 0)
            throw new InputError("nothing to publish: give a release tag (--tag vX.Y.Z) or a branch tag (--branch-tag NAME-SHA)");
    }

    /// <summary>
    /// The release protocol once the content exists: decide for every image before writing anything (an existing
    /// version tag with other content is refused unless forced), write every version tag (<paramref name="push"/>),
    /// and only then move the floating tags the semver rule lets move.
    /// </summary>
    private async Task<IReadOnlyList<PublishedImage>> ReleaseAsync(
        BuildPlan plan, IRegistry registry, RegistryCredentials credentials, bool force,
        Func<PublishTarget, RemoteIndex, bool> sameContent, Func<PublishTarget, string, Task<PublishedImage>> push, CancellationToken cancellation)
    {
        var published = new List<PublishedImage>();
        LastPublished = published;
        // The one error boundary of a publish: the content exists, so a refusal from here on (a registry 401, an engine
        // that cannot push) is a failure of the run, not bad input, and names what the run was doing (`step`).
        var step = "";
        try
        {
            // Decide for every image before pushing anything, so that a refusal leaves the registry untouched.
            var unchanged = new Dictionary<PublishTarget, string>();
            var existing = new Dictionary<PublishTarget, RemoteIndex>();
            var floating = new Dictionary<PublishTarget, IReadOnlyList<FloatingTagDecision>>();
            foreach (var target in plan.Publish)
            {
                step = $"reading {target.Repository} before publishing";
                floating[target] = plan.Options.Release is { } release
                    ? await FloatingTags.DecideAsync(target, release, registry, credentials, cancellation)
                    : [];
                // A tag that stays is said once, in the summary at the end.
                foreach (var decision in floating[target].Where(d => d.Moves))
                    Say($"[tags]  {target.Reference(decision.Tag)} will move: {decision.Reason}");
                var versionTag = target.Tags[0];
                step = $"reading {target.Reference(versionTag)} before publishing";
                var index = await registry.GetIndexAsync(target.Repository, versionTag, credentials, cancellation);
                if (index is null) continue;
                existing[target] = index;
                if (sameContent(target, index))
                    unchanged[target] = index.Digest;
                else if (!force)
                    throw new PipelineFailure($"{target.Reference(versionTag)} already exists with other content ({index.Digest}); a release tag is never overwritten silently: use --force to replace it");
                else
                    Say($"[push]  {target.Reference(versionTag)} exists with other content; replacing it (--force)");
            }

            foreach (var target in plan.Publish)
            {
                var versionTag = target.Tags[0];
                if (unchanged.TryGetValue(target, out var digest))
                {
                    Say($"[push]  {target.Reference(versionTag)} already holds this content ({digest}); nothing to do");
                    published.Add(new PublishedImage(target.Repository, versionTag, digest, Unchanged: true) { Platforms = PlatformsOf(existing[target]) });
                    continue;
                }
                step = $"publishing {target.Reference(versionTag)}";
                published.Add(await push(target, versionTag));
            }
            // Floating tags move only once every version tag of the release is in place: a registry-side copy of
            // the version tag's digest, and only those the semver rule lets move (a backport leaves latest alone).
            cancellation.ThrowIfCancellationRequested();
            foreach (var target in plan.Publish)
            {
                var version = published.Single(p => p.Repository == target.Repository && p.Tag == target.Tags[0]);
                step = $"moving the floating tags of {target.Repository}";
                await Promotion.MoveAsync(target, version.Digest, floating[target], registry, credentials, Say, published, cancellation);
            }
        }
        catch (OperationCanceledException e) when (cancellation.IsCancellationRequested)
        {
            throw new PipelineFailure(Interrupted(plan, published), e);
        }
        catch (InputError e)
        {
            var pushed = published.Count(p => p is { Unchanged: false, Floating: null });
            throw new PipelineFailure($"{step} failed (images were built, {(pushed == 0 ? "nothing was pushed" : $"{pushed} version tags were pushed")}): {e.Message}", e);
        }
        return published;
    }

    /// <summary>One line for an interrupted publish: what landed, what did not, and that a re-run completes it.</summary>
    private static string Interrupted(BuildPlan plan, IReadOnlyList<PublishedImage> published)
    {
        var versions = published.Where(p => p.Floating is null).Select(p => $"{p.Repository}:{p.Tag}").ToList();
        var missing = plan.Publish.Select(t => t.Reference(t.Tags[0])).Except(versions).ToList();
        var moved = published.Where(p => p.Floating is { Moves: true }).Select(p => $"{p.Repository}:{p.Tag}").ToList();
        return $"interrupted: {versions.Count} of {plan.Publish.Count} version tags landed"
            + (versions.Count == 0 ? "" : $" ({string.Join(", ", versions)})")
            + (missing.Count == 0 ? "" : $", not pushed: {string.Join(", ", missing)}")
            + (moved.Count == 0 ? "; no floating tag moved" : $"; floating tags moved: {string.Join(", ", moved)}")
            + "; run the same command again to complete the release";
    }

    /// <summary>Pushes one version tag (retrying transient faults), then reads the index back: the report names what the registry holds.</summary>
    private async Task<PublishedImage> PushAsync(
        PublishTarget target, string tag, IReadOnlyList<BuiltImage> variants, IRegistry registry, RegistryCredentials credentials, CancellationToken cancellation)
    {
        var reference = target.Reference(tag);
        var digest = await PushWithRetriesAsync(reference, variants, credentials, cancellation);
        var index = await registry.GetIndexAsync(target.Repository, tag, credentials, cancellation);
        if (index?.Digest != digest)
            throw new PipelineFailure($"{reference} was pushed as {digest}, but the registry holds {index?.Digest ?? "nothing"} under it");
        if (index.IsPlainManifest)
        {
            // An engine that pushes one platform as a plain manifest (Dagger) gets the index every release has, with one entry.
            digest = await registry.PutIndexAsync(target.Repository, tag, index.Manifests, credentials, cancellation);
            index = await registry.GetIndexAsync(target.Repository, tag, credentials, cancellation);
            if (index?.Digest != digest || index.IsPlainManifest)
                throw new PipelineFailure($"{reference}: an index of one platform was put as {digest}, but the registry holds {index?.Digest ?? "nothing"} under it");
            Say($"[push]  {reference} -> {digest} (an index of the one platform's manifest)");
        }
        return new PublishedImage(target.Repository, tag, digest, Unchanged: false) { Platforms = PlatformsOf(index) };
    }

    private static Dictionary<string, string> PlatformsOf(RemoteIndex index) => index.Manifests.ToDictionary(m => m.Platform, m => m.Digest);

    private async Task<string> PushWithRetriesAsync(string reference, IReadOnlyList<BuiltImage> variants, RegistryCredentials credentials, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var clock = Stopwatch.StartNew();
                var digest = await engine.PublishAsync(reference, variants, credentials, cancellation);
                Say($"[push]  {reference} -> {digest} ({string.Join(", ", variants.Select(v => v.Node.Platform))}) in {clock.Elapsed.TotalSeconds:0.0}s");
                return digest;
            }
            catch (Exception e) when (e is not (OperationCanceledException or InputError) && attempt < PublishAttempts)
            {
                var delay = Backoff.Delay(RetryDelay, attempt);
                Say($"[push]  {reference}: attempt {attempt} of {PublishAttempts} failed ({e.Message}); retrying in {delay.TotalSeconds:0.#}s");
                await Task.Delay(delay, cancellation);
            }
            catch (Exception e) when (e is not (OperationCanceledException or InputError))
            {
                throw new PipelineFailure($"publishing {reference} failed after {PublishAttempts} attempts: {e.Message}", e);
            }
        }
    }

    /// <summary>The same image config, or, on an engine that reports no config digest, the same inputs digest label.</summary>
    private static bool SameContent(RemoteIndex existing, IReadOnlyList<BuiltImage> variants) =>
        existing.Manifests.Count == variants.Count
        && variants.All(v => existing.Manifests.Any(m => m.Platform == v.Node.Platform.ToString()
            && ((v.ConfigDigest is not null && m.ConfigDigest == v.ConfigDigest)
                || (m.Inputs is not null && m.Inputs == v.Node.Labels.GetValueOrDefault(InputsDigest.Label)))));

    private void Say(string line)
    {
        lock (log) log.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");
    }
}
