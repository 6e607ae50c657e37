namespace ImageTooling.EndToEnd;

/// <summary>
/// The pipeline on the local engine against the offline harness: real multi-arch builds with podman,
/// smoke tests in real containers of every provisioned platform (the foreign one emulated), publishing to a
/// real registry with auth, and reading back what landed through the registry's HTTP API. What a run did is
/// read from its run report (<c>--metadata-file</c>), never from its printed lines.
/// </summary>
[Collection(nameof(HarnessCollection))]
public sealed class EndToEndTests(Harness harness, ITestOutputHelper output)
{
    private static readonly string[] AllImages = ["tooling-k8s", "tooling-k8s-aws", "tooling-k8s-openstack", "buildx", "pandoc"];

    /// <summary>What a tool's version check must print, from the catalog (so a version bump changes no test).</summary>
    private string Expected(string tool) => harness.Catalog.Tools[tool].Render(harness.Catalog.Tools[tool].Expect);

    /// <summary>The shared release's node of an image on a platform, from its run report.</summary>
    private NodeReport Node(RunReport report, string image, Platform platform) =>
        report.Nodes.Single(n => n.Image == image && n.Platform == platform);

    /// <summary>A smoke test of a node that passed: its first output line (the run report's, never the printed lines).</summary>
    private static string Passed(NodeReport node, string test)
    {
        var result = node.SmokeTests.SingleOrDefault(t => t.Name == test)
            ?? throw new Xunit.Sdk.XunitException($"{node.Image} {node.Platform} ran no smoke test '{test}'");
        Assert.True(result.Outcome == SmokeOutcome.Passed, $"{node.Image} {node.Platform} '{test}': {result.Outcome} ({result.FirstLine})");
        return result.FirstLine;
    }

    private RunReport SharedRelease()
    {
        Assert.Equal(0, harness.Release(output).Exit);
        return RunReport.Read(harness.ReleaseReport);
    }

    /// <remarks>pandoc's Dockerfile needs only Debian packages, so nothing in it is a stand-in.</remarks>
    [Fact]
    public void Pandoc_is_built_for_real_on_every_platform_and_makes_pdfs_in_containers_of_each()
    {
        var report = SharedRelease();
        // Every smoke test the catalog gives pandoc (its own and its tools') ran and passed on every platform: the
        // documents (pdflatex, lualatex and latexmk, images, French and German, beamer, citations) in containers of each.
        var catalogTests = harness.Catalog.Image("pandoc").Smoke.Select(t => t.Name).ToList();
        Assert.Contains(catalogTests, name => name.StartsWith("lualatex as 1000:1000", StringComparison.Ordinal));
        foreach (var platform in harness.Platforms)
        {
            var node = Node(report, "pandoc", platform);
            Assert.Equal("done", node.Status);
            Assert.Equal(platform.Machine, Passed(node, "platform"));
            Assert.StartsWith(Expected("pandoc"), Passed(node, "pandoc version"), StringComparison.Ordinal);
            Assert.All(catalogTests, name => Passed(node, name));
            Assert.All(node.SmokeTests, t => Assert.Equal(SmokeOutcome.Passed, t.Outcome));
            Assert.True(node.SmokeTests.Count > catalogTests.Count, $"pandoc {platform}: expected its tools' checks beside the catalog's {catalogTests.Count} image tests, saw {node.SmokeTests.Count}");
        }
    }

    [Fact]
    public void The_tooling_family_is_built_in_layers_and_smoke_tested_per_platform()
    {
        var report = SharedRelease();
        foreach (var platform in harness.Platforms)
        {
            foreach (var image in new[] { "tooling-k8s", "tooling-k8s-aws", "tooling-k8s-openstack", "buildx" })
            {
                var node = Node(report, image, platform);
                Assert.Equal("done", node.Status);
                Assert.True(node.SmokeTests.Count(t => t.Outcome == SmokeOutcome.Passed) >= 5, $"{image} {platform}: fewer than 5 smoke tests passed");
                Assert.DoesNotContain(node.SmokeTests, t => t.Outcome == SmokeOutcome.Failed);
            }
            // tooling-k8s is built once per platform and both derived images start from that very build: its layers are
            // the first layers of each.
            var baseLayers = Layers("tooling-k8s", platform);
            foreach (var derived in new[] { "tooling-k8s-aws", "tooling-k8s-openstack" })
                Assert.Equal(baseLayers, Layers(derived, platform).Take(baseLayers.Count));
            Assert.StartsWith(Expected("aws"), Passed(Node(report, "tooling-k8s-aws", platform), "aws version"), StringComparison.Ordinal);
            Assert.StartsWith(Expected("openstack"), Passed(Node(report, "tooling-k8s-openstack", platform), "openstack version"), StringComparison.Ordinal);
            Assert.StartsWith(Expected("kubectl"), Passed(Node(report, "tooling-k8s-aws", platform), "kubectl version"), StringComparison.Ordinal);
            Assert.Equal(platform.Machine, Passed(Node(report, "tooling-k8s", platform), "kubectl architecture"));
            Assert.Equal(platform.Machine, Passed(Node(report, "buildx", platform), "buildx architecture"));
        }
    }

    /// <summary>The layers of an image as the local engine holds it after the shared release.</summary>
    private static List<string> Layers(string image, Platform platform)
    {
        var inspect = TestProcess.Run("podman", ["image", "inspect", "--format", "{{json .RootFS.Layers}}", $"localhost/imagetool/{image}:{platform.Architecture}"]);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        return System.Text.Json.JsonSerializer.Deserialize<List<string>>(inspect.StandardOutput)!;
    }

    /// <remarks>kubectl here is Debian's real build (tests/harness/real-tools.tsv), not a stand-in.</remarks>
    [Fact]
    public void The_real_kubectl_switches_contexts_under_a_read_only_kube_config_mount_for_every_user_on_every_platform()
    {
        var report = SharedRelease();
        Assert.DoesNotContain("kubectl", harness.StandIns.StandInTools);
        foreach (var platform in harness.Platforms)
        {
            var node = Node(report, "tooling-k8s", platform);
            foreach (var user in new[] { "root", "12345:0", "1000:1000" })
                Assert.Equal("current=other namespace=smoke-ns contexts=new-ctx,other,toolbox-smoke mount-changed=0",
                    Passed(node, $"kubectl switches context and namespace and adds a context under a read-only mount as {user}"));
            foreach (var user in new[] { "root", "1000:1000" })
                Assert.Equal("kube=/mnt/kube mounted current-context: other", Passed(node, $"kubectl writes a context switch to a writable mount as {user}"));
            Assert.Equal("toolbox-smoke", Passed(node, "kubectl reads the kube config mounted read-only at /mnt/kube"));
            Assert.Equal("home=/home/toolbox written=/home/toolbox/.kube/config", Passed(node, "kubectl config set-context as 1000:1000 without the entry point"));
            foreach (var image in new[] { "tooling-k8s", "tooling-k8s-aws", "tooling-k8s-openstack" })
                Assert.Equal("completes kubectl", Passed(Node(report, image, platform), "kubectl bash completion"));
        }
    }

    [Fact]
    public void Smoke_tests_are_skipped_only_for_stand_in_tools()
    {
        var report = SharedRelease();
        var tests = report.Nodes.SelectMany(n => n.SmokeTests).ToList();
        Assert.All(tests.Where(t => t.OnStandIn), t => Assert.Contains(t.Tool, harness.StandIns.StandInTools));
        Assert.All(tests.Where(t => t.Tool is not null && !harness.StandIns.StandInTools.Contains(t.Tool)), t => Assert.False(t.OnStandIn));
        Assert.All(tests.Where(t => t.Outcome == SmokeOutcome.Skipped), t => Assert.True(t.OnStandIn, $"a test of {t.Tool ?? "the image"} was skipped though it is no stand-in"));
        Assert.All(tests, t => Assert.Contains(t.Outcome, new[] { SmokeOutcome.Passed, SmokeOutcome.Skipped }));
        var counts = SmokeCounts.Of(tests);
        Assert.True(counts.OnRealBinaries > counts.OnStandIns, $"expected most smoke tests on real binaries: {counts}");
        // The same smoke tests on every platform.
        var perPlatform = harness.Platforms.Select(p => report.Nodes.Where(n => n.Platform == p).SelectMany(n => n.SmokeTests.Select(t => $"{n.Image} {t.Name} {t.Outcome}")).Order(StringComparer.Ordinal).ToList()).ToList();
        Assert.All(perPlatform, tests => Assert.Equal(perPlatform[0], tests));
    }

    [Fact]
    public async Task Publish_writes_one_index_per_image_with_both_platforms_labels_and_release_tags()
    {
        var ns = harness.ReleaseNamespace;
        var result = harness.Release(output);
        Assert.Equal(0, result.Exit);
        Assert.DoesNotContain(harness.Password, result.All);
        var platforms = harness.Platforms.Select(p => p.ToString()).Order(StringComparer.Ordinal).ToList();
        foreach (var log in Directory.GetFiles(Path.Combine(TestRepository.Root, "artifacts", "logs")))
            Assert.DoesNotContain(harness.Password, File.ReadAllText(log));

        using var registry = new RegistryClient();
        var ct = CancellationToken.None;
        foreach (var image in AllImages)
        {
            var repository = ImageReference.Parse($"{ns}/{image}");
            Assert.Equal(["latest", "v1", "v1.2", "v1.2.3"], (await registry.ListTagsAsync(repository, harness.Credentials, ct)).Order(StringComparer.Ordinal));
            var index = await registry.GetIndexAsync(repository.WithTag("v1.2.3"), harness.Credentials, ct);
            Assert.NotNull(index);
            Assert.Equal(platforms, index!.Manifests.Select(m => m.Platform.ToString()).Order(StringComparer.Ordinal));
            Assert.Equal(index.Digest, (await registry.GetIndexAsync(repository.WithTag("latest"), harness.Credentials, ct))!.Digest);
            foreach (var manifest in index.Manifests)
            {
                using var config = await registry.GetBlobJsonAsync(repository, manifest.ConfigDigest, harness.Credentials, ct);
                Assert.Equal(manifest.Platform.Architecture, config.RootElement.GetProperty("architecture").GetString());
                var labels = config.RootElement.GetProperty("config").GetProperty("Labels");
                Assert.Equal("1.2.3", labels.GetProperty("org.opencontainers.image.version").GetString());
                Assert.Equal(image, labels.GetProperty("org.opencontainers.image.title").GetString());
                Assert.Matches("^[0-9a-f]{40}$", labels.GetProperty("org.opencontainers.image.revision").GetString());
                Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", labels.GetProperty("org.opencontainers.image.created").GetString());
                Assert.StartsWith("https://github.com/", labels.GetProperty("org.opencontainers.image.source").GetString());
            }
            output.WriteLine($"read back {repository}:v1.2.3 = {index.Digest}: {string.Join(", ", index.Manifests.Select(m => m.Platform))}");
        }

        // A pre-release gets its own tag and leaves latest where it was.
        var latestBefore = (await registry.GetIndexAsync(ImageReference.Parse($"{ns}/buildx").WithTag("latest"), harness.Credentials, ct))!.Digest;
        var pre = harness.Run(output, harness.PasswordEnv(), "publish-multi-arch", "--tag", "v1.3.0-rc.1", "--registry", ns, "--username", harness.User, "--image", "buildx", "--platform", harness.Quick.ToString());
        Assert.Equal(0, pre.Exit);
        Assert.NotNull(await registry.GetIndexAsync(ImageReference.Parse($"{ns}/buildx").WithTag("v1.3.0-rc.1"), harness.Credentials, ct));
        Assert.Equal(latestBefore, (await registry.GetIndexAsync(ImageReference.Parse($"{ns}/buildx").WithTag("latest"), harness.Credentials, ct))!.Digest);
        Assert.Equal(["latest", "v1", "v1.2", "v1.2.3", "v1.3.0-rc.1"], (await registry.ListTagsAsync(ImageReference.Parse($"{ns}/buildx"), harness.Credentials, ct)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Wrong_credentials_fail_before_anything_is_built()
    {
        var logs = Directory.CreateTempSubdirectory("imagetool-e2e-auth-logs-");
        try
        {
            var result = harness.Run(output, harness.PasswordEnv("not-the-password"), "publish-multi-arch", "--tag", "v9.9.9", "--registry",
                $"{harness.Registry}/e2e-{harness.RunId}-auth", "--username", harness.User, "--log-dir", logs.FullName);
            Assert.Equal(2, result.Exit);
            Assert.Contains($"refused the credentials of '{harness.User}'", result.Err);
            Assert.Empty(Directory.GetFiles(logs.FullName, "*.log")); // no node's build started
            Assert.DoesNotContain("not-the-password", result.All);
            output.WriteLine($"refused after {result.Took.TotalSeconds:0.0}s");
        }
        finally
        {
            logs.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_registry_that_dies_mid_publish_leaves_latest_alone_and_a_rerun_completes_the_release()
    {
        using var proxy = new FaultProxy(upstreamPort: int.Parse(harness.Registry.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture))
        {
            CutAfterManifestPuts = 2, // buildx's platform manifest and its index land, then the registry "dies"
        };
        var ns = $"127.0.0.1:{proxy.Port}/e2e-{harness.RunId}-fault";
        // One platform is enough to show the protocol; the publish of every platform is checked above.
        var report = Path.Combine(TestRepository.Root, "artifacts", "e2e", "fault-rerun.json");
        string[] publish = ["publish-multi-arch", "--tag", "v2.0.0", "--registry", ns, "--username", harness.User, "--image", "buildx", "--image", "pandoc", "--platform", harness.Quick.ToString()];
        var first = harness.Run(output, harness.PasswordEnv(), publish);
        Assert.Equal(1, first.Exit);
        Assert.True(proxy.IsDown);
        Assert.Contains($"{ns}/pandoc:v2.0.0", first.Err);
        Assert.Single(first.Err.Trim().Split('\n'));

        proxy.Up();
        proxy.CutAfterManifestPuts = null;
        using var registry = new RegistryClient();
        var ct = CancellationToken.None;
        Assert.Equal(["v2.0.0"], await registry.ListTagsAsync(ImageReference.Parse($"{ns}/buildx"), harness.Credentials, ct));
        Assert.Empty(await registry.ListTagsAsync(ImageReference.Parse($"{ns}/pandoc"), harness.Credentials, ct));

        var rerun = harness.Run(output, harness.PasswordEnv(), [.. publish, "--metadata-file", report]);
        Assert.Equal(0, rerun.Exit);
        Assert.Equal("unchanged", RunReport.Read(report).Published.Single(p => p.Reference == $"{ns}/buildx:v2.0.0").Status);
        foreach (var image in new[] { "buildx", "pandoc" })
            Assert.Equal(["latest", "v2", "v2.0", "v2.0.0"], (await registry.ListTagsAsync(ImageReference.Parse($"{ns}/{image}"), harness.Credentials, ct)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_existing_release_tag_with_other_content_is_refused_and_replaced_only_with_force()
    {
        var ns = $"{harness.Registry}/e2e-{harness.RunId}-force";
        string[] publish = ["publish-multi-arch", "--tag", "v3.0.0", "--registry", ns, "--username", harness.User, "--image", "buildx", "--no-floating-tags", "--platform", harness.Quick.ToString()];
        // Other content under buildx:v3.0.0 first: the shared release's pandoc.
        Assert.Equal(0, harness.Release(output).Exit);
        using var registry = new RegistryClient();
        var ct = CancellationToken.None;
        var other = await registry.GetIndexAsync(ImageReference.Parse($"{harness.ReleaseNamespace}/pandoc").WithTag("v1.2.3"), harness.Credentials, ct);
        CopyIndex($"{harness.ReleaseNamespace}/pandoc:v1.2.3", $"{ns}/buildx:v3.0.0");

        var refused = harness.Run(output, harness.PasswordEnv(), publish);
        Assert.Equal(1, refused.Exit);
        Assert.Contains($"{ns}/buildx:v3.0.0 already exists with other content", refused.Err);
        Assert.Equal(other!.Digest, (await registry.GetIndexAsync(ImageReference.Parse($"{ns}/buildx").WithTag("v3.0.0"), harness.Credentials, ct))!.Digest);

        var forced = harness.Run(output, harness.PasswordEnv(), [.. publish, "--force"]);
        Assert.Equal(0, forced.Exit);
        var now = await registry.GetIndexAsync(ImageReference.Parse($"{ns}/buildx").WithTag("v3.0.0"), harness.Credentials, ct);
        Assert.NotEqual(other.Digest, now!.Digest);

        var report = Path.Combine(TestRepository.Root, "artifacts", "e2e", "force-again.json");
        var again = harness.Run(output, harness.PasswordEnv(), [.. publish, "--metadata-file", report]);
        Assert.Equal(0, again.Exit);
        Assert.Equal("unchanged", RunReport.Read(report).Published.Single(p => p.Reference == $"{ns}/buildx:v3.0.0").Status);
    }

    [Fact]
    public async Task A_backport_release_moves_only_its_minor_line_and_leaves_latest_on_the_newer_release()
    {
        var ns = $"{harness.Registry}/e2e-{harness.RunId}-backport";
        var repository = ImageReference.Parse($"{ns}/buildx");
        string Report(string tag) => Path.Combine(TestRepository.Root, "artifacts", "e2e", $"backport-{tag}.json");
        string[] Publish(string tag) => ["publish-multi-arch", "--tag", tag, "--registry", ns, "--username", harness.User, "--image", "buildx", "--platform", harness.Quick.ToString(),
            "--metadata-file", Report(tag)];
        using var registry = new RegistryClient();
        var ct = CancellationToken.None;
        async Task<string> DigestOf(string tag) => (await registry.GetIndexAsync(repository.WithTag(tag), harness.Credentials, ct))!.Digest;

        var newer = harness.Run(output, harness.PasswordEnv(), Publish("v1.4.0"));
        Assert.Equal(0, newer.Exit);
        var v140 = await DigestOf("v1.4.0");
        Assert.Equal([("v1.4", true, v140), ("v1", true, v140), ("latest", true, v140)],
            RunReport.Read(Report("v1.4.0")).Published.Single().FloatingTags.Select(t => (t.Tag, t.Moved, t.Digest)));

        // The plan, before the backport, reads the same tags and says what will happen.
        var plan = harness.Run(output, harness.PasswordEnv(), "plan", "--tag", "v1.3.5", "--registry", ns, "--username", harness.User, "--image", "buildx", "--platform", harness.Quick.ToString());
        Assert.Equal(0, plan.Exit);
        Assert.Contains($"{repository}:latest stays: v1.4.0 is newer in the repository", plan.Out);
        Assert.Contains($"{repository}:v1 stays: v1.4.0 is newer in v1", plan.Out);
        Assert.Contains($"{repository}:v1.3 moves: v1.3.5 is the highest stable release in v1.3", plan.Out);

        var backport = harness.Run(output, harness.PasswordEnv(), Publish("v1.3.5"));
        Assert.Equal(0, backport.Exit);
        var v135 = await DigestOf("v1.3.5");
        Assert.NotEqual(v140, v135); // the version label differs, so the index does
        Assert.Equal(v140, await DigestOf("latest"));
        Assert.Equal(v140, await DigestOf("v1"));
        Assert.Equal(v140, await DigestOf("v1.4"));
        Assert.Equal(v135, await DigestOf("v1.3"));
        var latest = RunReport.Read(Report("v1.3.5")).Published.Single().FloatingTags.Single(t => t.Tag == "latest");
        Assert.Equal((false, "v1.4.0 is newer in the repository", (string?)null), (latest.Moved, latest.Reason, latest.Digest));
        Assert.Equal(["latest", "v1", "v1.3", "v1.3.5", "v1.4", "v1.4.0"], (await registry.ListTagsAsync(repository, harness.Credentials, ct)).Order(StringComparer.Ordinal));

        // Each image carries its tool versions as labels, readable without a pull.
        var index = await registry.GetIndexAsync(repository.WithTag("v1.3.5"), harness.Credentials, ct);
        using var config = await registry.GetBlobJsonAsync(repository, Assert.Single(index!.Manifests).ConfigDigest, harness.Credentials, ct);
        var labels = config.RootElement.GetProperty("config").GetProperty("Labels");
        var catalog = ImageTooling.Catalog.CatalogLoader.Load(harness.ImagesWithStandIns);
        foreach (var tool in catalog.AllToolsOf(catalog.Image("buildx")))
            Assert.Equal(tool.Version, labels.GetProperty(BuildPlan.ToolLabelPrefix + tool.Name).GetString());
    }

    [Fact]
    public async Task An_interrupt_mid_push_stops_with_one_line_moves_no_floating_tag_and_a_rerun_completes()
    {
        // Through a proxy that holds every manifest PUT for 5 s, so that the push is still in flight when
        // the signal arrives, however fast the registry is.
        using var proxy = new FaultProxy(upstreamPort: int.Parse(harness.Registry.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture))
        {
            HoldManifestPuts = TimeSpan.FromSeconds(5),
        };
        var ns = $"127.0.0.1:{proxy.Port}/e2e-{harness.RunId}-interrupt";
        var repository = ImageReference.Parse($"{ns}/buildx");
        // buildx alone (its build served from the build cache, its smoke tests quick); SIGTERM once the floating tags
        // are decided, which is just before the version tag's push starts.
        string[] publish = ["publish-multi-arch", "--tag", "v4.0.0", "--registry", ns, "--username", harness.User, "--image", "buildx", "--platform", harness.Quick.ToString()];
        var first = harness.Run(output, harness.PasswordEnv(), line => line.Contains($"[tags]  {repository}:latest will move", StringComparison.Ordinal), publish);
        Assert.Equal(1, first.Exit);
        var error = Assert.Single(first.Err.Trim().Split('\n'));
        Assert.StartsWith("error: interrupted: ", error);
        Assert.Contains("no floating tag moved; run the same command again", error);

        using var registry = new RegistryClient();
        var ct = CancellationToken.None;
        var tags = await registry.ListTagsAsync(repository, harness.Credentials, ct);
        Assert.DoesNotContain(tags, t => t is "latest" or "v4" or "v4.0");
        // The line says what landed, and the registry agrees.
        Assert.Equal(tags.Contains("v4.0.0"), error.Contains("1 of 1 version tags landed", StringComparison.Ordinal));

        proxy.HoldManifestPuts = null;
        var rerun = harness.Run(output, harness.PasswordEnv(), publish);
        Assert.Equal(0, rerun.Exit);
        Assert.Equal(["latest", "v4", "v4.0", "v4.0.0"], (await registry.ListTagsAsync(repository, harness.Credentials, ct)).Order(StringComparer.Ordinal));
    }

    private void CopyIndex(string from, string to)
    {
        var copy = harness.Skopeo("copy", "--all", "--src-tls-verify=false", "--dest-tls-verify=false", $"docker://{from}", $"docker://{to}");
        Assert.True(copy.ExitCode == 0, copy.ToString());
    }
}
