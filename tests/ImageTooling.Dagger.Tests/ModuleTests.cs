using System.Text.Json;
using ImageTooling.Dagger.Tests.Simulated;
using ImageTooling.Testing;
using Xunit.Abstractions;

namespace ImageTooling.Dagger.Tests;

/// <summary>Runs the module shell (ci/module) with Dagger's TypeScript SDK at the engine's version, through tests/module.</summary>
internal static class Module
{
    public const string Package = "module";

    public static string Folder => Path.Combine(Repo.Root, "tests", Package);

    /// <summary>The SDK's module entrypoint against the session: it registers the module, or runs the call the session names.</summary>
    public static ProcessResult Entrypoint(SimulatedDaggerSession session) =>
        NodeTool.RunWith(new Dictionary<string, string>
        {
            ["DAGGER_SESSION_PORT"] = session.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DAGGER_SESSION_TOKEN"] = session.Token,
        }, Package, "module.mjs", "entrypoint");

    /// <summary><c>tsc --noEmit</c> with tests/module's TypeScript, against @dagger.io/dagger; <paramref name="project"/> defaults to tsconfig.json.</summary>
    public static ProcessResult TypeCheck(string project = "tsconfig.json") =>
        NodeTool.Run(Package, Path.Combine("node_modules", "typescript", "bin", "tsc"), "--project", project);

    /// <summary>
    /// Calls a function of the module as the engine does for `dagger call`: the session names the call and its
    /// arguments (each as JSON; <c>source</c> is the repository, as its default path "/" gives it), the SDK's
    /// entrypoint runs it, and the nested imagetool is the built one. Returns what the function returned.
    /// </summary>
    public static string Invoke(SimulatedDaggerSession session, string function, Dictionary<string, object> arguments)
    {
        session.ImagetoolDll = Path.Combine(AppContext.BaseDirectory, "imagetool.dll");
        arguments.TryAdd("source", session.Adopt(new SimDirectory(Repo.Root, new Dictionary<string, string>())));
        session.Call = new ModuleCall("ImageTooling", function, arguments.ToDictionary(a => a.Key, a => JsonSerializer.Serialize(a.Value)));
        var result = Entrypoint(session);
        Assert.True(result.ExitCode == 0 && session.ReturnedError is null, $"{function} failed: {session.ReturnedError}\n{result}");
        return JsonSerializer.Deserialize<string>(session.ReturnedValue!)!;
    }
}

public sealed class ModuleTests(ITestOutputHelper output)
{
    [Fact]
    public void The_test_package_pins_the_SDK_at_the_engine_version_of_dagger_json()
    {
        using var dagger = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "dagger.json")));
        using var package = JsonDocument.Parse(File.ReadAllText(Path.Combine(Module.Folder, "package.json")));
        var engine = dagger.RootElement.GetProperty("engineVersion").GetString()!;
        Assert.Equal(engine.TrimStart('v'), package.RootElement.GetProperty("dependencies").GetProperty("@dagger.io/dagger").GetString());
    }

    [Fact]
    public void The_module_type_checks_against_the_SDK()
    {
        var result = Module.TypeCheck();
        Assert.True(result.ExitCode == 0, $"tsc on ci/module failed:\n{result}");
    }

    [Fact]
    public void A_misspelled_withExec_option_fails_the_type_check()
    {
        var source = File.ReadAllText(Path.Combine(Repo.Root, "ci", "module", "src", "index.ts"));
        Assert.Contains("experimentalPrivilegedNesting: true", source, StringComparison.Ordinal);
        var folder = Path.Combine(Module.Folder, $".mutant-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "index.ts"), source.Replace("experimentalPrivilegedNesting: true", "experimentalPrivilegedNestng: true", StringComparison.Ordinal));
            File.WriteAllText(Path.Combine(folder, "tsconfig.json"), """{ "extends": "../tsconfig.json", "files": ["index.ts"] }""");
            var result = Module.TypeCheck(Path.Combine(Path.GetFileName(folder), "tsconfig.json"));
            output.WriteLine(result.ToString());
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("'experimentalPrivilegedNestng' does not exist in type 'ContainerWithExecOpts'", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Registered_against_the_simulated_session_the_module_declares_the_functions_of_its_source_with_valid_requests()
    {
        using var session = new SimulatedDaggerSession();

        var result = Module.Entrypoint(session);
        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 0, $"the module's registration failed:\n{result}");
        Assert.Null(session.ReturnedError);

        var registered = session.RegisteredFunctions().ToDictionary(f => f.Name, f => f.Arguments);
        var declared = ModuleDeclaration.Read().ToDictionary(f => f.Name, f => f.Arguments);
        Assert.Equal(declared.Keys.Order(StringComparer.Ordinal), registered.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, arguments) in declared)
            Assert.Equal(arguments.Select(a => (a.Name, a.Optional)), registered[name].Select(a => (a.Name, a.Optional || a.DefaultPath is not null)));
        Assert.Equal(["build", "list", "plan", "publishMultiArch", "test"], registered.Keys.Order(StringComparer.Ordinal));

        // What `dagger call` will ask for: the token is a Secret, the source defaults to the repository.
        var publish = registered["publishMultiArch"].ToDictionary(a => a.Name);
        Assert.Equal(new RegisteredArgument("token", "Secret", false, null), publish["token"]);
        Assert.Equal(new RegisteredArgument("username", "STRING", false, null), publish["username"]);
        Assert.All(registered.Values, arguments => Assert.Equal(("Directory", "/"), arguments.Where(a => a.Name == "source").Select(a => (a.Type, a.DefaultPath)).Single()));
        Assert.All(publish.Values.Where(a => a.Name is not ("token" or "username" or "source")), a => Assert.True(a.Optional, $"{a.Name} is optional"));

        var text = await Contract.ValidateAsync(session.Requests.Select(r => ("module registration", r)).ToList(), output);
        output.WriteLine($"registration: {session.Requests.Count} requests");
        Assert.Contains(session.Requests, r => r.Query.Contains("withFunction", StringComparison.Ordinal));
        Assert.NotEmpty(text);
    }
}

/// <summary>
/// `dagger call publish-multi-arch --tag v1.2.3 ...`, simulated: the module's own code under the SDK's entrypoint, the
/// simulated session running imagetool as the nested client of the module's container, and a stand-in registry
/// that holds what the session published. Then the same call again.
/// </summary>
public sealed class ModulePublishTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_same_publish_multi_arch_again_finds_every_image_already_there_without_force()
    {
        using var registry = new StandInRegistryServer("bot", Scenario.Token);
        var (first, firstRun) = Publish(registry);
        using var firstDisposal = firstRun;
        var (second, secondRun) = Publish(registry);
        using var secondDisposal = secondRun;
        output.WriteLine(first);
        output.WriteLine(second);

        var images = firstRun.Plan.Catalog.Images.Select(i => $"{registry.Host}/best-tools/{i.Name}").ToList();
        Assert.DoesNotContain("already holds this content", first, StringComparison.Ordinal);
        Assert.All(images, i => Assert.Contains(firstRun.Session.Publishes, p => p.Address == $"{i}:v1.2.3"));
        foreach (var image in images)
            Assert.Matches($@"\[push\]\s+{System.Text.RegularExpressions.Regex.Escape(image)}:v1\.2\.3 already holds this content \(sha256:[0-9a-f]{{64}}\)", second);
        Assert.DoesNotContain("other content", second, StringComparison.Ordinal);
        Assert.DoesNotContain(secondRun.Session.Publishes, p => p.Address.EndsWith(":v1.2.3", StringComparison.Ordinal));

        // The token reached imagetool only as a secret variable: it is in no request of either run, nor in their output.
        var requests = firstRun.Session.Requests.Select(r => ("first publish-multi-arch", r))
            .Concat(secondRun.Session.Requests.Select(r => ("second publish-multi-arch", r))).ToList();
        Assert.All(requests, r => Assert.DoesNotContain(Scenario.Token, r.Item2.Query + r.Item2.VariablesJson, StringComparison.Ordinal));
        Assert.DoesNotContain(Scenario.Token, first + second, StringComparison.Ordinal);
        Assert.Contains(requests, r => r.Item2.Query.Contains("withSecretVariable", StringComparison.Ordinal));

        // Every request of the module and of the adapter it drove, validated against the v0.21.8 schema.
        await Contract.ValidateAsync(requests, output);
        output.WriteLine($"two publish-multi-arch runs: {requests.Count} requests");
    }

    private static (string Report, Scenario Run) Publish(StandInRegistryServer registry)
    {
        var run = new Scenario();
        run.Session.Registry = registry;
        run.Session.ClientEnvironment["DOCKERHUB_TOKEN"] = Scenario.Token;
        // What `--token env://DOCKERHUB_TOKEN` becomes in the engine: a secret the CLI's environment resolves.
        var token = run.Session.Adopt(new SimSecret("env://DOCKERHUB_TOKEN"));
        var report = Module.Invoke(run.Session, "publishMultiArch", new()
        {
            ["username"] = "bot",
            ["token"] = token,
            ["tag"] = "v1.2.3",
            ["registry"] = $"{registry.Host}/best-tools",
        });
        return (report, run);
    }
}

/// <summary>Every argument of every function reaches imagetool as the option it stands for (imagetool refuses unknown options).</summary>
public sealed class ModuleArgumentTests
{
    [Fact]
    public void Plan_passes_tag_image_platform_registry_no_floating_tags_and_as_json()
    {
        using var run = new Scenario();
        var report = Module.Invoke(run.Session, "plan", new()
        {
            ["tag"] = "v1.2.3",
            ["image"] = new[] { "pandoc" },
            ["platform"] = new[] { "linux/arm64" },
            ["registry"] = "registry.example/org",
            ["noFloatingTags"] = true,
            ["asJson"] = true,
        });

        using var plan = JsonDocument.Parse(report);
        Assert.Equal("v1.2.3", plan.RootElement.GetProperty("release").GetString());
        Assert.Equal(["pandoc linux/arm64"], plan.RootElement.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()));
        var publish = Assert.Single(plan.RootElement.GetProperty("publish").EnumerateArray());
        Assert.Equal("registry.example/org/pandoc", publish.GetProperty("repository").GetString());
        Assert.Equal(["v1.2.3"], publish.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Empty(run.Session.Builds);
    }

    [Fact]
    public void Test_passes_branch_tag_image_platform_revision_and_source_date_epoch()
    {
        using var run = new Scenario();
        var report = Module.Invoke(run.Session, "test", new()
        {
            ["branchTag"] = "feature-x-1a2b3c4",
            ["image"] = new[] { "pandoc" },
            ["platform"] = new[] { "linux/amd64" },
            ["revision"] = "0123456789abcdef0123456789abcdef01234567",
            ["sourceDateEpoch"] = 1_700_000_000,
        });

        Assert.Contains("All smoke tests passed on 1 images.", report, StringComparison.Ordinal);
        var build = Assert.Single(run.Session.Builds);
        Assert.Equal(("pandoc/Dockerfile", "linux/amd64"), (build.Dockerfile, build.Platform));
        var labels = Assert.Single(run.Session.Execs.Where(e => e.Container.Build is not null).Select(e => e.Container.Labels).DistinctBy(l => l["org.opencontainers.image.revision"]));
        Assert.Equal("0123456789abcdef0123456789abcdef01234567", labels["org.opencontainers.image.revision"]);
        Assert.Equal("2023-11-14T22:13:20Z", labels["org.opencontainers.image.created"]);
        Assert.Equal("feature-x-1a2b3c4", labels["org.opencontainers.image.version"]);
    }

    [Fact]
    public void Build_builds_without_smoke_tests_and_list_passes_markdown()
    {
        using var run = new Scenario();
        Module.Invoke(run.Session, "build", new() { ["tag"] = "v1.2.3", ["image"] = new[] { "buildx" } });
        Assert.Equal(["linux/amd64", "linux/arm64"], run.Session.Builds.Select(b => b.Platform).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(run.Session.Execs, e => e.Container.Build is not null);

        var listing = Module.Invoke(run.Session, "list", new() { ["markdown"] = true });
        Assert.Contains("| ", listing, StringComparison.Ordinal);
        Assert.All(run.Plan.Catalog.Images, i => Assert.Contains(i.Name, listing, StringComparison.Ordinal));
    }
}

/// <summary>The functions and arguments of the module as the SDK's own introspector reads them from its source.</summary>
internal static class ModuleDeclaration
{
    internal sealed record Argument(string Name, bool Optional);

    internal sealed record Function(string Name, IReadOnlyList<Argument> Arguments);

    public static IReadOnlyList<Function> Read()
    {
        var result = NodeTool.Run(Module.Package, "module.mjs", "declared");
        Assert.True(result.ExitCode == 0, $"node module.mjs declared failed:\n{result}");
        using var json = JsonDocument.Parse(result.Output);
        var main = json.RootElement.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "ImageTooling");
        return main.GetProperty("functions").EnumerateArray().Select(f => new Function(
            f.GetProperty("name").GetString()!,
            f.GetProperty("arguments").EnumerateArray().Select(a => new Argument(a.GetProperty("name").GetString()!, a.GetProperty("optional").GetBoolean())).ToList())).ToList();
    }
}
