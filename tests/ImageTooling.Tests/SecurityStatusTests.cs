using ImageTooling.Catalog;
using ImageTooling.Security;

namespace ImageTooling.Tests;

/// <summary>security-status on a stand-in engine and registry: which image it runs, what it asks, how it reads the answer.</summary>
public class SecurityStatusTests
{
    private static BuildPlan Plan(params string[] images) =>
        BuildPlan.Create(Repo.Fixture(), new PlanOptions { Images = images, Platforms = ["linux/amd64", "linux/arm64"] });

    /// <summary>The registry holds <paramref name="image"/>:latest as an index of both platforms.</summary>
    private static FakeRegistry Published(string image)
    {
        var registry = new FakeRegistry();
        registry.Tags[$"registry.example/fixture/{image}:latest"] = new RemoteIndex("sha256:index",
            [new RemoteManifest(Platform.LinuxAmd64, "sha256:amd64-manifest", "sha256:c1"), new RemoteManifest(Platform.LinuxArm64, "sha256:arm64-manifest", "sha256:c2")]);
        return registry;
    }

    private static async Task<SecurityReport> CheckAsync(FakeEngine engine, FakeRegistry registry, string image, string? extraSource = null) =>
        await new SecurityStatus(engine, engine, registry, RunLog.None) { ExtraSource = extraSource }
            .CheckAsync(Repo.Fixture(), Plan(image), "latest", credentials: null, CancellationToken.None);

    [Fact]
    public async Task Each_platform_image_is_pulled_by_its_digest_and_a_clean_one_reports_nothing_pending()
    {
        var engine = new FakeEngine { Answer = (_, _) => new CommandResult(0, "pending-security-updates=none\n") };
        var report = await CheckAsync(engine, Published("other"), "other");

        Assert.Equal(["pull registry.example/fixture/other@sha256:amd64-manifest linux/amd64", "pull registry.example/fixture/other@sha256:arm64-manifest linux/arm64"],
            engine.Events.Where(e => e.StartsWith("pull ", StringComparison.Ordinal)));
        Assert.False(report.Pending);
        Assert.All(report.Images, i => Assert.True(i.Clean));
        Assert.Equal(["beta"], report.Images[0].NotAsked); // an upstream download: not asked here
    }

    [Fact]
    public async Task Pending_fixes_and_newer_debian_tools_are_read_from_the_check_and_the_check_asks_for_each_debian_tool()
    {
        string? command = null;
        var engine = new FakeEngine
        {
            Answer = (test, _) =>
            {
                command = test.Run;
                return new CommandResult(0, "pending: libc6 2.41-12 -> 2.41-12+deb13u1\npending: openssl 3.5.1-1 -> 3.5.1-1+deb13u1\n"
                    + "pending-security-updates=libc6 openssl\ncandidate: gamma-tool 2.7.18-1 2.7.18-1+deb13u1\n");
            },
        };
        var report = await CheckAsync(engine, Published("derived"), "derived");

        Assert.True(report.Pending);
        var image = report.Images[0];
        Assert.Equal([new PendingFix("libc6", "2.41-12", "2.41-12+deb13u1"), new PendingFix("openssl", "3.5.1-1", "3.5.1-1+deb13u1")], image.Pending);
        Assert.Equal([new ToolUpdate("gamma", "2.7.18", "2.7.18-1", "2.7.18-1+deb13u1")], image.ToolUpdates);
        Assert.StartsWith(Repo.Fixture().SecurityCheck.Run, command);
        Assert.Contains("apt-cache policy gamma-tool", command);
        Assert.Single(engine.Events, e => e.StartsWith("test derived linux/amd64 ", StringComparison.Ordinal)); // one container per platform
    }

    [Fact]
    public async Task An_extra_source_is_written_before_the_check_asks_the_archive()
    {
        string? command = null;
        var engine = new FakeEngine { Answer = (test, _) => { command = test.Run; return new CommandResult(0, "pending-security-updates=none\n"); } };
        await CheckAsync(engine, Published("other"), "other", extraSource: "deb [trusted=yes] http://127.0.0.1:9/archive trixie-security main");
        Assert.StartsWith("printf '%s\\n' 'deb [trusted=yes] http://127.0.0.1:9/archive trixie-security main' > /etc/apt/sources.list.d/", command);
    }

    [Fact]
    public async Task An_image_that_is_not_published_or_whose_check_did_not_run_is_reported_as_not_checked()
    {
        var unpublished = await CheckAsync(new FakeEngine(), new FakeRegistry(), "other");
        Assert.True(unpublished.Pending);
        Assert.All(unpublished.Images, i => Assert.Equal("registry.example/fixture/other:latest is not in the registry", i.Error));

        var offline = new FakeEngine { Answer = (_, _) => new CommandResult(1, "apt-get update failed: Temporary failure resolving 'deb.debian.org'\n") };
        var report = await CheckAsync(offline, Published("other"), "other");
        Assert.All(report.Images, i => Assert.Equal("the security check did not run: apt-get update failed: Temporary failure resolving 'deb.debian.org'", i.Error));
    }

    [Fact]
    public void The_report_round_trips_as_json()
    {
        var report = new SecurityReport(SecurityReport.CurrentVersion, "latest", DateTimeOffset.UnixEpoch,
            [new ImageSecurity("other", Platform.LinuxAmd64, "r/other:latest", "sha256:d", [new PendingFix("libc6", "1", "2")], [], ["beta"], null)]);
        var again = SecurityReport.Parse(report.ToJson());
        Assert.Equal(report.Images[0].Pending, again.Images[0].Pending);
        Assert.True(again.Pending);
        Assert.Contains("\"pending\": [", report.ToJson());
    }

    [Theory]
    [InlineData("not a tag!", "--tag takes a tag such as latest or v1.2.3")]
    [InlineData("latest", "--security-archive takes an apt source line")]
    public void Bad_input_is_one_line_and_exit_code_2(string tag, string message)
    {
        var result = InProcessImagetool.Run("security-status", "--images-dir", Repo.FixtureImages, "--tag", tag, "--security-archive", tag == "latest" ? "http://x" : "deb http://x s main");
        Assert.Equal(2, result.Exit);
        Assert.Contains(message, result.Err);
        Assert.Single(result.Err.Trim().Split('\n'));
    }
}
