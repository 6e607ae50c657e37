using ImageTooling.Catalog;
using ImageTooling.Reporting;
using ImageTooling.Cli;
using ImageTooling.Scheduling;

namespace ImageTooling.Tests;

/// <summary>The run report (--metadata-file): what a run did, as the file machines read instead of the printed lines.</summary>
public class RunReportTests
{
    private static readonly RegistryCredentials Credentials = new("bot", new Secret("s3cr3t-value"));

    [Fact]
    public void The_example_in_the_docs_parses_and_round_trips()
    {
        var text = File.ReadAllText(Path.Combine(Repo.Root, "docs", "run-report.md"));
        var start = text.IndexOf("```json\n", StringComparison.Ordinal) + "```json\n".Length;
        var example = text[start..text.IndexOf("```", start, StringComparison.Ordinal)];

        var report = RunReport.Parse(example, "docs/run-report.md");
        Assert.Equal("publish-multi-arch", report.Command);
        var node = Assert.Single(report.Nodes);
        Assert.Equal(SmokeOutcome.Skipped, node.SmokeTests[1].Outcome);
        Assert.Equal(("helm", true), (node.SmokeTests[1].Tool, node.SmokeTests[1].OnStandIn));
        var published = Assert.Single(report.Published);
        Assert.Equal(2, published.Platforms.Count);
        Assert.Equal([true, false], published.FloatingTags.Select(t => t.Moved));
        Assert.Equal(report.ToJson(), RunReport.Parse(report.ToJson(), "again").ToJson());

        // The reader the end-to-end tests use sees the same.
        using var json = System.Text.Json.JsonDocument.Parse(example);
        Assert.Equal(("pandoc", "linux/amd64", "done"), ImageTooling.Testing.RunReportFile.Nodes(json).Select(n => (n.Image, n.Platform, n.Status)).Single());
        Assert.Equal("skipped", ImageTooling.Testing.RunReportFile.Nodes(json)[0].Smoke["helm writes its caches as an arbitrary user"]);
        var (digest, status, platforms) = ImageTooling.Testing.RunReportFile.Published(json, "docker.io/best-tools/pandoc:v1.2.3");
        Assert.Equal((published.Digest, "pushed", 2), (digest, status, platforms.Count));
        Assert.Equal([("v1.2", true, digest), ("latest", false, null)], ImageTooling.Testing.RunReportFile.FloatingTags(json, "docker.io/best-tools/pandoc:v1.2.3"));

        var second = text.IndexOf("```json\n", start, StringComparison.Ordinal) + "```json\n".Length;
        var stage = RunReport.Parse(text[second..text.IndexOf("```", second, StringComparison.Ordinal)], "docs/run-report.md (stage)");
        Assert.Equal(("stage", Platform.LinuxArm64), (stage.Command, Assert.Single(stage.Staged).Platform));
        Assert.Equal(stage.ToJson(), RunReport.Parse(stage.ToJson(), "again").ToJson());
    }

    [Theory]
    [InlineData("{ not json", "is not an imagetool run report")]
    [InlineData("""{ "version": 2, "command": "x", "engine": "e", "succeeded": true, "timing": { "wallSeconds": 1, "workSeconds": 1, "slots": 1, "criticalPathSeconds": 1, "lowerBoundSeconds": 1 }, "nodes": [], "published": [] }""", "of version 1")]
    [InlineData("""{ "version": 1, "command": "x", "engine": "e", "succeeded": true, "nodes": [], "published": [] }""", "is not an imagetool run report")]
    public void Anything_else_is_bad_input_naming_the_file(string json, string message)
    {
        var error = Assert.Throws<InputError>(() => RunReport.Parse(json, "some.json"));
        Assert.Contains("some.json", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_publish_reports_every_node_and_every_version_tag_with_its_platform_digests_and_floating_tags()
    {
        var plan = BuildPlan.Create(Repo.Fixture(), new PlanOptions { Release = ReleaseTag.Parse("v1.3.5"), Images = ["other"] });
        var registry = new FakeRegistry();
        var newer = "sha256:" + new string('4', 64);
        foreach (var tag in new[] { "v1.4.0", "latest" })
            registry.Tags[$"registry.example/fixture/other:{tag}"] = FakeRegistry.IndexOf("other", newer);
        var engine = new FakeEngine();
        var outcome = await new Pipeline(engine, new StringWriter(), jobs: 2).PublishAsync(plan, engine.PushesTo(registry), Credentials, force: false, CancellationToken.None);

        var report = RunReport.Parse(RunReport.From("publish-multi-arch", engine.Name, outcome, plan.Publish).ToJson(), "report");
        Assert.Equal(plan.Nodes.Select(n => (n.Image.Name, n.Platform)), report.Nodes.Select(n => (n.Image, n.Platform)));
        Assert.All(report.Nodes, n =>
        {
            Assert.Equal("done", n.Status);
            Assert.StartsWith("sha256:", n.InputsDigest, StringComparison.Ordinal);
            Assert.NotEmpty(n.SmokeTests);
            Assert.All(n.SmokeTests, t => Assert.Equal(SmokeOutcome.Passed, t.Outcome));
        });
        var published = Assert.Single(report.Published);
        Assert.Equal(("other", "v1.3.5", "pushed"), (published.Image, published.Tag, published.Status));
        Assert.Equal(registry.Tags["registry.example/fixture/other:v1.3.5"].Digest, published.Digest);
        Assert.Equal([Platform.LinuxAmd64, Platform.LinuxArm64], published.Platforms.Keys);
        Assert.Equal("sha256:other-arm64-manifest", published.Platforms[Platform.LinuxArm64]);
        var floating = published.FloatingTags.ToDictionary(t => t.Tag);
        Assert.Equal((true, published.Digest), (floating["v1.3"].Moved, floating["v1.3"].Digest));
        Assert.Equal((false, null), (floating["latest"].Moved, floating["latest"].Digest));
        Assert.Contains("v1.4.0 is newer", floating["latest"].Reason, StringComparison.Ordinal);
        Assert.Equal(published.Digest, report.VersionDigests("v1.3.5")["registry.example/fixture/other"]);
    }

    [Fact]
    public void A_failed_run_still_writes_its_report_with_the_failed_node()
    {
        var logs = Directory.CreateTempSubdirectory("imagetool-report-").FullName;
        var file = Path.Combine(logs, "report.json");
        var engine = new FakeEngine { BuildFails = n => n.Id == "base linux/arm64" };
        var result = InProcessImagetool.Run(engine, "build", "--images-dir", Repo.FixtureImages, "--log-dir", logs, "--metadata-file", file);
        Assert.Equal(1, result.Exit);
        var report = RunReport.Read(file);
        Assert.False(report.Succeeded);
        Assert.Equal("failed", report.Nodes.Single(n => n.Image == "base" && n.Platform == Platform.LinuxArm64).Status);
        Assert.Equal("done", report.Nodes.Single(n => n.Image == "base" && n.Platform == Platform.LinuxAmd64).Status);
    }

    [Fact]
    public void With_a_dash_the_report_is_standard_output_and_the_printed_lines_go_to_standard_error()
    {
        var logs = Directory.CreateTempSubdirectory("imagetool-report-").FullName;
        var engine = new SimulatedEngine(ExpectedTime.FromCatalog, speedup: 1_000_000);
        var result = InProcessImagetool.Run(engine, "test", "--images-dir", Repo.FixtureImages, "--image", "other", "--log-dir", logs, "--metadata-file", "-");
        Assert.True(result.Exit == 0, result.All);
        var report = RunReport.Parse(result.Out, "standard output");
        Assert.Equal(("test", true), (report.Command, report.Succeeded));
        Assert.Equal(2, report.Nodes.Count);
        Assert.Contains("Timing per node", result.Err, StringComparison.Ordinal);
        Assert.Contains("All smoke tests passed", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Promote_refuses_a_run_report_without_the_release_s_digests_before_touching_the_registry()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("imagetool-report-").FullName, "report.json");
        File.WriteAllText(file, """
            { "version": 1, "command": "publish-multi-arch", "engine": "e", "succeeded": true,
              "timing": { "wallSeconds": 1, "workSeconds": 1, "slots": 1, "criticalPathSeconds": 1, "lowerBoundSeconds": 1 },
              "nodes": [], "published": [] }
            """);
        Environment.SetEnvironmentVariable("IMAGETOOL_TEST_PROMOTE_TOKEN", "t0ken"); // a name no other test reads
        var result = InProcessImagetool.Run("promote", "--tag", "v1.2.3", "--images-dir", Repo.FixtureImages, "--registry", "127.0.0.1:9/nowhere",
            "--username", "bot", "--password-env", "IMAGETOOL_TEST_PROMOTE_TOKEN", "--run-report", file);
        Assert.Equal(2, result.Exit);
        Assert.Contains("names no digest for v1.2.3", result.Err, StringComparison.Ordinal);
    }
}
