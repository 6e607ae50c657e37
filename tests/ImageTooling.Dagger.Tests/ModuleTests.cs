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
    public static ProcessResult Entrypoint(SimulatedDaggerSession session, string? moduleSource = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["DAGGER_SESSION_PORT"] = session.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DAGGER_SESSION_TOKEN"] = session.Token,
        };
        // A test's mutant of ci/module/src (module.mjs takes the module's src/ from there).
        if (moduleSource is not null) environment["MODULE_SOURCE"] = moduleSource;
        return NodeTool.RunWith(environment, Package, "module.mjs", "entrypoint");
    }

    /// <summary><c>tsc --noEmit</c> with tests/module's TypeScript, against @dagger.io/dagger; <paramref name="project"/> defaults to tsconfig.json.</summary>
    public static ProcessResult TypeCheck(string project = "tsconfig.json") =>
        NodeTool.Run(Package, Path.Combine("node_modules", "typescript", "bin", "tsc"), "--project", project);

    /// <summary>
    /// Calls a function of the module as the engine does for `dagger call`: the session names the call and its
    /// arguments (each as JSON), the SDK's entrypoint runs it, and the nested imagetool is the built one. Unless the
    /// test gives one, <c>source</c> is what the engine makes of its default path "/": the repository minus the
    /// argument's registered ignore list. Returns what the function returned.
    /// </summary>
    public static string Invoke(SimulatedDaggerSession session, string function, Dictionary<string, object> arguments, string? moduleSource = null)
    {
        var (value, error) = TryInvoke(session, function, arguments, moduleSource);
        Assert.True(value is not null, $"{function} failed: {error}");
        return value;
    }

    /// <summary>
    /// As <see cref="Invoke"/>, for a call that may fail: what the function returned, or else the error it returned to the
    /// engine. The engine's function-result cache answers first when the function's cache policy allows
    /// (<see cref="SimulatedDaggerSession.CallFunction"/>): the policy the module (or its mutant) registered, and dagger.json's
    /// disableDefaultFunctionCaching unless the test set the session's.
    /// </summary>
    public static (string? Value, string? Error) TryInvoke(SimulatedDaggerSession session, string function, Dictionary<string, object> arguments, string? moduleSource = null)
    {
        session.ImagetoolDll = Path.Combine(AppContext.BaseDirectory, "imagetool.dll");
        session.DisableDefaultFunctionCaching ??= DaggerJsonDisablesDefaultFunctionCaching();
        if (!arguments.ContainsKey("source"))
            arguments["source"] = session.Adopt(SimDirectory.FromHost(Repo.Root, SourceIgnore(function)));
        session.Call = new ModuleCall("ImageTooling", function, arguments.ToDictionary(a => a.Key, a => JsonSerializer.Serialize(a.Value)));
        var registration = RegistrationOf(moduleSource).Single(f => f.Name == function);
        return session.CallFunction(registration, () =>
        {
            var result = Entrypoint(session, moduleSource);
            if (result.ExitCode == 0 && session.ReturnedError is null && session.ReturnedValue is not null)
                return (JsonSerializer.Deserialize<string>(session.ReturnedValue)!, null);
            return (null, $"{session.ReturnedError}\n{result}");
        });
    }

    /// <summary>dagger.json's disableDefaultFunctionCaching (false when it is not there, as the engine reads it).</summary>
    public static bool DaggerJsonDisablesDefaultFunctionCaching()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "dagger.json")));
        return json.RootElement.TryGetProperty("disableDefaultFunctionCaching", out var value) && value.GetBoolean();
    }

    /// <summary>The functions a module source registers: the real module's, or a test's mutant's (registered once each).</summary>
    public static IReadOnlyList<RegisteredFunction> RegistrationOf(string? moduleSource)
    {
        if (moduleSource is null) return Registered;
        lock (mutants)
        {
            if (!mutants.TryGetValue(moduleSource, out var functions))
            {
                using var session = new SimulatedDaggerSession();
                var result = Entrypoint(session, moduleSource);
                Assert.True(result.ExitCode == 0 && session.ReturnedError is null, $"the mutant module's registration failed: {session.ReturnedError}\n{result}");
                mutants[moduleSource] = functions = session.RegisteredFunctions();
            }
            return functions;
        }
    }

    private static readonly Dictionary<string, IReadOnlyList<RegisteredFunction>> mutants = [];

    /// <summary>
    /// The lines imagetool printed (its stderr) in the module's calls on this session: with <c>--metadata-file -</c> the
    /// function returns the run report (stdout) alone. A replayed exec gives the stderr of the call it replays.
    /// </summary>
    public static string Printed(SimulatedDaggerSession session) =>
        string.Concat(session.Execs.Where(e => e.Args.Contains("/imagetool/imagetool.dll")).Select(e => e.Result.Stderr));

    /// <summary>The functions as the module registers them with the engine (registered once, on a session of its own).</summary>
    public static IReadOnlyList<RegisteredFunction> Registered => registered.Value;

    private static readonly Lazy<IReadOnlyList<RegisteredFunction>> registered = new(() =>
    {
        using var session = new SimulatedDaggerSession();
        var result = Entrypoint(session);
        Assert.True(result.ExitCode == 0 && session.ReturnedError is null, $"the module's registration failed: {session.ReturnedError}\n{result}");
        return session.RegisteredFunctions();
    });

    /// <summary>The ignore list the module registered for a function's <c>source</c> argument.</summary>
    public static IReadOnlyList<string> SourceIgnore(string function) =>
        Registered.Single(f => f.Name == function).Arguments.Single(a => a.Name == "source").Ignore;
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

    /// <summary>
    /// The TypeScript runtime at v0.21.8 mounts the TypeScript it bundles and installs nothing when package.json's only
    /// dependency is typescript at its default version (sdk/typescript/runtime/runtime_node.go:252-260,
    /// tsdistconsts/consts.go:22); without a package.json it runs `yarn install` against the npm registry.
    /// </summary>
    [Fact]
    public void The_module_package_json_depends_only_on_the_TypeScript_the_runtime_bundles()
    {
        using var package = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "ci", "module", "package.json")));
        using var tests = JsonDocument.Parse(File.ReadAllText(Path.Combine(Module.Folder, "package.json")));
        Assert.Equal("module", package.RootElement.GetProperty("type").GetString());
        var dependency = Assert.Single(package.RootElement.GetProperty("dependencies").EnumerateObject());
        Assert.Equal(("typescript", "5.9.3"), (dependency.Name, dependency.Value.GetString()));
        Assert.Equal("5.9.3", tests.RootElement.GetProperty("dependencies").GetProperty("typescript").GetString());
        Assert.False(package.RootElement.TryGetProperty("devDependencies", out _));
        Assert.False(package.RootElement.TryGetProperty("packageManager", out _));
        // The runtime's own tsconfig.json template, which the type check here uses too.
        using var tsconfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "ci", "module", "tsconfig.json")));
        using var check = JsonDocument.Parse(File.ReadAllText(Path.Combine(Module.Folder, "tsconfig.json")));
        foreach (var option in new[] { "target", "moduleResolution" })
            Assert.Equal(tsconfig.RootElement.GetProperty("compilerOptions").GetProperty(option).GetString(), check.RootElement.GetProperty("compilerOptions").GetProperty(option).GetString());
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
        Assert.Equal(["assemble", "build", "list", "plan", "publishMultiArch", "stage", "test"], registered.Keys.Order(StringComparer.Ordinal));

        // What `dagger call` will ask for: the token is a Secret, the source defaults to the repository.
        var publish = registered["publishMultiArch"].ToDictionary(a => a.Name);
        Assert.Equal(("Secret", false, null), (publish["token"].Type, publish["token"].Optional, publish["token"].DefaultPath));
        Assert.Equal(("STRING", false, null), (publish["username"].Type, publish["username"].Optional, publish["username"].DefaultPath));
        Assert.All(registered.Values, arguments => Assert.Equal(("Directory", "/"), arguments.Where(a => a.Name == "source").Select(a => (a.Type, a.DefaultPath)).Single()));
        Assert.All(publish.Values.Where(a => a.Name is not ("token" or "username" or "source")), a => Assert.True(a.Optional, $"{a.Name} is optional"));
        // stage and assemble take the same credentials; assemble takes the staged run reports as a required list of files.
        foreach (var function in new[] { "stage", "assemble" })
        {
            var arguments = registered[function].ToDictionary(a => a.Name);
            Assert.Equal(("Secret", false), (arguments["token"].Type, arguments["token"].Optional));
            Assert.Equal(("STRING", false), (arguments["username"].Type, arguments["username"].Optional));
            Assert.All(arguments.Values.Where(a => a.Name is not ("token" or "username" or "source" or "staged")), a => Assert.True(a.Optional, $"{function} {a.Name} is optional"));
        }
        var staged = registered["assemble"].Single(a => a.Name == "staged");
        Assert.Equal(("[File]", false, null), (staged.Type, staged.Optional, staged.DefaultPath));
        Assert.Equal(["[STRING]", "[STRING]"], registered["stage"].Where(a => a.Name is "image" or "platform").Select(a => a.Type));

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
    public async Task The_same_publish_multi_arch_again_on_a_warm_engine_runs_imagetool_and_finds_every_image_already_there_without_force()
    {
        using var registry = new StandInRegistryServer("bot", Scenario.Token);
        var engine = new SimulatedEngineCache();
        var (first, firstRun) = Publish(registry, engine);
        using var firstDisposal = firstRun;
        var (second, secondRun) = Publish(registry, engine);
        using var secondDisposal = secondRun;
        output.WriteLine(first);
        output.WriteLine(second);

        var images = firstRun.Plan.Catalog.Images.Select(i => $"{registry.Host}/best-tools/{i.Name}").ToList();
        Assert.DoesNotContain("already holds this content", first, StringComparison.Ordinal);
        Assert.All(images, i => Assert.Contains(firstRun.Session.Publishes, p => p.Address == $"{i}:v1.2.3"));
        // The second call really ran imagetool (not the first call's output replayed), and imagetool found the tags.
        Assert.Equal(1, secondRun.Session.NestedRuns);
        foreach (var image in images)
            Assert.Matches($@"\[push\]\s+{System.Text.RegularExpressions.Regex.Escape(image)}:v1\.2\.3 already holds this content \(sha256:[0-9a-f]{{64}}\)", second);
        Assert.DoesNotContain("other content", second, StringComparison.Ordinal);
        Assert.DoesNotContain(secondRun.Session.Publishes, p => p.Address.EndsWith(":v1.2.3", StringComparison.Ordinal));
        // What did not change came from the engine's cache: imagetool's own build and every image build.
        Assert.Contains(secondRun.Session.Execs, e => e.Args.Take(2).SequenceEqual(["dotnet", "publish"]) && e.Replayed);
        Assert.Empty(secondRun.Session.ImagetoolBuilds);
        Assert.NotEmpty(secondRun.Session.Builds);
        Assert.All(secondRun.Session.Builds, b => Assert.True(b.FromCache, $"{b.Dockerfile} {b.Platform} was built again"));

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

    /// <summary>
    /// Dagger pushes a plain manifest for one platform; imagetool puts an index of it under the tag, as every release has,
    /// and the next identical call finds its own content there.
    /// </summary>
    [Fact]
    public void A_single_platform_publish_then_the_same_call_converges_without_force()
    {
        using var registry = new StandInRegistryServer("bot", Scenario.Token);
        var engine = new SimulatedEngineCache();
        Dictionary<string, object> Pandoc() => new() { ["image"] = new[] { "pandoc" }, ["platform"] = new[] { "linux/arm64" }, ["noFloatingTags"] = true };
        var (first, firstRun) = Publish(registry, engine, Pandoc());
        using var firstDisposal = firstRun;
        var (second, secondRun) = Publish(registry, engine, Pandoc());
        using var secondDisposal = secondRun;
        output.WriteLine(first);
        output.WriteLine(second);

        var reference = $"{registry.Host}/best-tools/pandoc:v1.2.3";
        var pushed = Assert.Single(firstRun.Session.Publishes);
        Assert.Equal(reference, pushed.Address);
        Assert.Single(pushed.Variants);
        Assert.Equal("application/vnd.oci.image.index.v1+json", registry.MediaTypeOf(reference));
        var index = registry.DigestOf(reference);
        Assert.NotEqual(pushed.Digest, index);
        Assert.Contains($"[push]  {reference} -> {index} (an index of the one platform's manifest)", first, StringComparison.Ordinal);
        Assert.Equal(1, secondRun.Session.NestedRuns);
        Assert.Contains($"{reference} already holds this content ({index}); nothing to do", second, StringComparison.Ordinal);
        Assert.DoesNotContain("other content", second, StringComparison.Ordinal);
        Assert.Empty(secondRun.Session.Publishes);
    }

    /// <summary>
    /// The simulated engine's exec cache is what makes the cache-bust necessary: a copy of the module whose
    /// publish-multi-arch is not fresh gets the first call's output again, and imagetool does not run.
    /// </summary>
    [Fact]
    public void Without_the_cache_bust_the_second_call_replays_the_first_one()
    {
        var source = File.ReadAllText(Path.Combine(Repo.Root, "ci", "module", "src", "index.ts"));
        const string Fresh = "toolbox(source, { sourceDateEpoch, fresh: true })";
        Assert.Contains(Fresh, source, StringComparison.Ordinal);
        var mutant = Path.Combine(Module.Folder, $".mutant-{Guid.NewGuid():N}");
        Directory.CreateDirectory(mutant);
        try
        {
            File.WriteAllText(Path.Combine(mutant, "index.ts"), source.Replace(Fresh, "toolbox(source, { sourceDateEpoch, fresh: false })", StringComparison.Ordinal));
            using var registry = new StandInRegistryServer("bot", Scenario.Token);
            var engine = new SimulatedEngineCache();
            Dictionary<string, object> Pandoc() => new() { ["image"] = new[] { "pandoc" }, ["noFloatingTags"] = true };
            var (first, firstRun) = Publish(registry, engine, Pandoc(), mutant);
            using var firstDisposal = firstRun;
            var (second, secondRun) = Publish(registry, engine, Pandoc(), mutant);
            using var secondDisposal = secondRun;
            output.WriteLine(second);

            Assert.Equal(0, secondRun.Session.NestedRuns);
            Assert.Equal(first, second);
            Assert.DoesNotContain("already holds this content", second, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(mutant, recursive: true);
        }
    }

    /// <summary>
    /// The functions that write to the registry declare `cache: "never"`, so a second identical call runs whatever
    /// dagger.json says. Without dagger.json's disableDefaultFunctionCaching, v0.21.8 keeps a function's result (Default
    /// policy) and answers an identical call with it: a copy of the module whose publishMultiArch declares nothing gets
    /// the first call's report back, and neither the module's code nor imagetool runs. The module as it is runs again.
    /// </summary>
    [Fact]
    public void Without_its_cache_declaration_publish_multi_arch_replays_the_first_call_s_result()
    {
        var source = File.ReadAllText(Path.Combine(Repo.Root, "ci", "module", "src", "index.ts"));
        const string Declared = "  @func({ cache: \"never\" })\n  async publishMultiArch(";
        Assert.Contains(Declared, source, StringComparison.Ordinal);
        var mutant = Path.Combine(Module.Folder, $".mutant-{Guid.NewGuid():N}");
        Directory.CreateDirectory(mutant);
        try
        {
            File.WriteAllText(Path.Combine(mutant, "index.ts"), source.Replace(Declared, "  @func()\n  async publishMultiArch(", StringComparison.Ordinal));
            Dictionary<string, object> Pandoc() => new() { ["image"] = new[] { "pandoc" }, ["platform"] = new[] { "linux/amd64" }, ["noFloatingTags"] = true };
            (int Runs, int Replayed, string Printed) Twice(string? moduleSource)
            {
                using var registry = new StandInRegistryServer("bot", Scenario.Token);
                var engine = new SimulatedEngineCache();
                var (first, firstRun) = Publish(registry, engine, Pandoc(), moduleSource, disableDefaultFunctionCaching: false);
                using var firstDisposal = firstRun;
                var (second, secondRun) = Publish(registry, engine, Pandoc(), moduleSource, disableDefaultFunctionCaching: false);
                using var secondDisposal = secondRun;
                Assert.Equal(1, firstRun.Session.NestedRuns);
                return (secondRun.Session.NestedRuns, secondRun.Session.FunctionCallsReplayed, second);
            }

            var undeclared = Twice(mutant);
            Assert.Equal((0, 1), (undeclared.Runs, undeclared.Replayed));
            Assert.DoesNotContain("already holds this content", undeclared.Printed, StringComparison.Ordinal);

            var declared = Twice(null);
            Assert.Equal((1, 0), (declared.Runs, declared.Replayed));
            Assert.Contains("already holds this content", declared.Printed, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(mutant, recursive: true);
        }
    }

    /// <summary>One publish-multi-arch call: the run report it returned, followed by the lines imagetool printed (stderr).</summary>
    private static (string Printed, Scenario Run) Publish(
        StandInRegistryServer registry, SimulatedEngineCache engine, Dictionary<string, object>? more = null, string? moduleSource = null, bool? disableDefaultFunctionCaching = null)
    {
        var run = new Scenario(cache: engine);
        run.Session.DisableDefaultFunctionCaching = disableDefaultFunctionCaching;
        run.Session.Registry = registry;
        run.Session.ClientEnvironment["DOCKERHUB_TOKEN"] = Scenario.Token;
        // What `--token env://DOCKERHUB_TOKEN` becomes in the engine: a secret the CLI's environment resolves.
        var token = run.Session.Adopt(new SimSecret("env://DOCKERHUB_TOKEN"));
        var arguments = new Dictionary<string, object>
        {
            ["username"] = "bot",
            ["token"] = token,
            ["tag"] = "v1.2.3",
            ["registry"] = $"{registry.Host}/best-tools",
        };
        foreach (var (name, value) in more ?? []) arguments[name] = value;
        var report = Module.Invoke(run.Session, "publishMultiArch", arguments, moduleSource);
        return (report + Module.Printed(run.Session), run);
    }
}

/// <summary>
/// Every argument of every function reaches imagetool as the option it stands for (imagetool refuses unknown options),
/// and every request each call makes, the module's and the adapter's, is valid against the v0.21.8 schema.
/// </summary>
public sealed class ModuleArgumentTests(ITestOutputHelper output)
{
    private const string Revision = "0123456789abcdef0123456789abcdef01234567";

    private static readonly Dictionary<string, object> PlanArguments = new()
    {
        ["tag"] = "v1.2.3",
        ["image"] = new[] { "pandoc" },
        ["platform"] = new[] { "linux/arm64" },
        ["registry"] = "registry.example/org",
        ["noFloatingTags"] = true,
        ["asJson"] = true,
    };

    /// <summary>A release tag and a branch tag exclude each other: the branch tag goes in a call of its own.</summary>
    private static readonly Dictionary<string, object> PlanBranchArguments = new() { ["branchTag"] = "feature-x-1a2b3c4", ["image"] = new[] { "pandoc" } };

    private static readonly Dictionary<string, object> TestArguments = new()
    {
        ["tag"] = "v1.2.3",
        ["image"] = new[] { "pandoc" },
        ["platform"] = new[] { "linux/amd64" },
        ["revision"] = Revision,
        ["sourceDateEpoch"] = 1_700_000_000,
        ["rerun"] = true,
    };

    private static readonly Dictionary<string, object> TestBranchArguments = new() { ["branchTag"] = "feature-x-1a2b3c4", ["image"] = new[] { "pandoc" }, ["platform"] = new[] { "linux/amd64" } };

    private static readonly Dictionary<string, object> BuildArguments = new()
    {
        ["branchTag"] = "feature-x-1a2b3c4",
        ["image"] = new[] { "buildx" },
        ["platform"] = new[] { "linux/amd64", "linux/arm64" },
        ["revision"] = Revision,
        ["sourceDateEpoch"] = 1_700_000_000,
        ["rerun"] = true,
    };

    /// <summary>The calls of the rerun test, with a release tag (BuildArguments has the branch tag).</summary>
    private static Dictionary<string, object> RerunBuildArguments(bool rerun) =>
        new() { ["tag"] = "v1.2.3", ["image"] = new[] { "pandoc" }, ["platform"] = new[] { "linux/amd64" }, ["rerun"] = rerun };

    private static readonly Dictionary<string, object> ListArguments = new() { ["markdown"] = true };

    /// <summary>With <c>token</c> added by the test, which needs the session to make the secret.</summary>
    private static readonly Dictionary<string, object> PublishArguments = new()
    {
        ["username"] = "bot",
        ["branchTag"] = "feature-x-1a2b3c4",
        ["image"] = new[] { "pandoc" },
        ["platform"] = new[] { "linux/amd64" },
        ["noFloatingTags"] = true,
        ["force"] = true,
        ["revision"] = Revision,
        ["sourceDateEpoch"] = 1_700_000_000,
    };

    [Fact]
    public void Every_argument_the_module_registers_is_given_by_a_test_here()
    {
        var given = new Dictionary<string, IEnumerable<string>>
        {
            ["plan"] = PlanArguments.Keys.Concat(PlanBranchArguments.Keys),
            ["test"] = TestArguments.Keys.Concat(TestBranchArguments.Keys),
            ["build"] = BuildArguments.Keys.Concat(RerunBuildArguments(rerun: false).Keys),
            ["list"] = ListArguments.Keys,
            ["publishMultiArch"] = PublishArguments.Keys.Append("token").Append("tag").Append("registry"),
            ["stage"] = ModuleStageTests.StageArgumentsGiven,
            ["assemble"] = ModuleStageTests.AssembleArgumentsGiven,
        };
        foreach (var function in Module.Registered)
        {
            var expected = function.Arguments.Select(a => a.Name).Where(a => a != "source").Order(StringComparer.Ordinal);
            Assert.Equal(expected, given[function.Name].Distinct().Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task Plan_passes_tag_branch_tag_image_platform_registry_no_floating_tags_and_as_json()
    {
        using var run = new Scenario();
        var report = Module.Invoke(run.Session, "plan", new(PlanArguments));

        using var plan = JsonDocument.Parse(report);
        Assert.Equal("v1.2.3", plan.RootElement.GetProperty("release").GetString());
        Assert.Equal(["pandoc linux/arm64"], plan.RootElement.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()));
        var publish = Assert.Single(plan.RootElement.GetProperty("publish").EnumerateArray());
        Assert.Equal("registry.example/org/pandoc", publish.GetProperty("repository").GetString());
        Assert.Equal(["v1.2.3"], publish.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains("feature-x-1a2b3c4", Module.Invoke(run.Session, "plan", new(PlanBranchArguments)), StringComparison.Ordinal);
        Assert.Empty(run.Session.Builds);
        await Contract.ValidateAsync(run.Session.Requests.Select(r => ("plan", r)).ToList(), output);
    }

    [Fact]
    public async Task Test_passes_tag_branch_tag_image_platform_revision_source_date_epoch_and_rerun()
    {
        using var run = new Scenario();
        var report = Module.Invoke(run.Session, "test", new(TestArguments));

        Assert.Contains("All smoke tests passed on 1 images.", report, StringComparison.Ordinal);
        var build = Assert.Single(run.Session.Builds);
        Assert.Equal(("pandoc/Dockerfile", "linux/amd64"), (build.Dockerfile, build.Platform));
        var labels = Assert.Single(run.Session.Execs.Where(e => e.Container.Build is not null).Select(e => e.Container.Labels).DistinctBy(l => l["org.opencontainers.image.revision"]));
        Assert.Equal("1.2.3", labels["org.opencontainers.image.version"]);
        Assert.Equal(Revision, labels["org.opencontainers.image.revision"]);
        Assert.Equal("2023-11-14T22:13:20Z", labels["org.opencontainers.image.created"]);
        Assert.Contains(run.Session.Execs, e => e.Args.Contains("/imagetool/imagetool.dll") && e.Container.Env.ContainsKey("IMAGETOOL_CALL"));

        var branch = Module.Invoke(run.Session, "test", new(TestBranchArguments));
        Assert.Contains("All smoke tests passed on 1 images.", branch, StringComparison.Ordinal);
        Assert.Contains(run.Session.Execs, e => e.Container.Labels.GetValueOrDefault("org.opencontainers.image.version") == "feature-x-1a2b3c4");
        await Contract.ValidateAsync(run.Session.Requests.Select(r => ("test", r)).ToList(), output);
    }

    [Fact]
    public async Task Build_builds_without_smoke_tests_and_list_passes_markdown()
    {
        using var run = new Scenario();
        var report = Module.Invoke(run.Session, "build", new(BuildArguments));
        Assert.Equal(["linux/amd64", "linux/arm64"], run.Session.Builds.Select(b => b.Platform).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(run.Session.Execs, e => e.Container.Build is not null);
        Assert.Contains("buildx", report, StringComparison.Ordinal);

        var listing = Module.Invoke(run.Session, "list", new(ListArguments));
        Assert.Contains("| ", listing, StringComparison.Ordinal);
        Assert.All(run.Plan.Catalog.Images, i => Assert.Contains(i.Name, listing, StringComparison.Ordinal));
        await Contract.ValidateAsync(run.Session.Requests.Select(r => ("build and list", r)).ToList(), output);
    }

    [Fact]
    public async Task Publish_multi_arch_passes_username_token_branch_tag_image_platform_no_floating_tags_force_revision_and_source_date_epoch()
    {
        using var registry = new StandInRegistryServer("bot", Scenario.Token);
        using var run = new Scenario(release: null);
        run.Session.Registry = registry;
        run.Session.ClientEnvironment["DOCKERHUB_TOKEN"] = Scenario.Token;
        var arguments = new Dictionary<string, object>(PublishArguments)
        {
            ["token"] = run.Session.Adopt(new SimSecret("env://DOCKERHUB_TOKEN")),
            ["registry"] = $"{registry.Host}/best-tools",
        };
        var report = Module.Invoke(run.Session, "publishMultiArch", arguments);
        output.WriteLine(report);

        var pushed = Assert.Single(run.Session.Publishes);
        Assert.Equal($"{registry.Host}/best-tools/pandoc:feature-x-1a2b3c4", pushed.Address);
        Assert.Equal(("bot", "env://REGISTRY_PASSWORD"), (pushed.Username, pushed.SecretUri));
        var labels = Assert.Single(pushed.Variants).Labels;
        Assert.Equal((Revision, "2023-11-14T22:13:20Z"), (labels["org.opencontainers.image.revision"], labels["org.opencontainers.image.created"]));
        Assert.Contains(run.Session.Execs, e => e.Args.Contains("--force") && e.Args.Contains("--no-floating-tags"));
        await Contract.ValidateAsync(run.Session.Requests.Select(r => ("publish-multi-arch", r)).ToList(), output);
    }

    /// <summary>build and test are pure unless asked: an identical call replays, one with rerun runs imagetool again.</summary>
    [Fact]
    public void An_identical_build_on_a_warm_engine_replays_unless_rerun_is_given()
    {
        var engine = new SimulatedEngineCache();
        int NestedRuns(bool rerun)
        {
            using var run = new Scenario(cache: engine);
            Module.Invoke(run.Session, "build", RerunBuildArguments(rerun));
            return run.Session.NestedRuns;
        }

        Assert.Equal(1, NestedRuns(rerun: false));
        Assert.Equal(0, NestedRuns(rerun: false));
        Assert.Equal(1, NestedRuns(rerun: true));
    }
}

/// <summary>How long a function's result may be kept: each function declares it, and the engine derives what it applies.</summary>
public sealed class ModuleCachePolicyTests
{
    [Fact]
    public void Every_function_that_writes_to_the_registry_declares_never_and_build_and_test_declare_a_session()
    {
        var policies = Module.Registered.ToDictionary(f => f.Name, f => f.CachePolicy);
        Assert.Equal(FunctionCachePolicies.Never, policies["publishMultiArch"]);
        Assert.Equal(FunctionCachePolicies.Never, policies["stage"]);
        Assert.Equal(FunctionCachePolicies.Never, policies["assemble"]);
        Assert.Equal(FunctionCachePolicies.PerSession, policies["build"]);
        Assert.Equal(FunctionCachePolicies.PerSession, policies["test"]);
        // The SDK registers the Default policy for a function that declares none (register.ts:145-161 at v0.21.8).
        Assert.Equal(FunctionCachePolicies.Default, policies["list"]);
        // Every function that takes the registry token writes to the registry.
        Assert.All(Module.Registered.Where(f => f.Arguments.Any(a => a.Name == "token")), f => Assert.Equal(FunctionCachePolicies.Never, f.CachePolicy));
    }

    /// <summary>core/typedef.go:328-339 at v0.21.8, ported in <see cref="FunctionCachePolicies.Derived"/>.</summary>
    [Theory]
    [InlineData(null, false, FunctionCachePolicies.Default)]
    [InlineData(null, true, FunctionCachePolicies.PerSession)]
    [InlineData(FunctionCachePolicies.Default, false, FunctionCachePolicies.Default)]
    [InlineData(FunctionCachePolicies.Default, true, FunctionCachePolicies.PerSession)]
    [InlineData(FunctionCachePolicies.PerSession, false, FunctionCachePolicies.PerSession)]
    [InlineData(FunctionCachePolicies.Never, false, FunctionCachePolicies.Never)]
    [InlineData(FunctionCachePolicies.Never, true, FunctionCachePolicies.Never)]
    public void The_engine_applies_the_declared_policy_and_dagger_json_only_turns_default_into_per_session(string? declared, bool disableDefault, string applied) =>
        Assert.Equal(applied, FunctionCachePolicies.Derived(declared, disableDefault));

    /// <summary>A Default function's identical call on the same engine is answered from its kept result; a PerSession one only within its session.</summary>
    [Fact]
    public void A_default_function_s_identical_call_replays_on_the_same_engine_and_a_per_session_one_does_not()
    {
        var engine = new SimulatedEngineCache();
        (int Replayed, int Nested) List(bool disableDefault)
        {
            using var run = new Scenario(cache: engine);
            run.Session.DisableDefaultFunctionCaching = disableDefault;
            Module.Invoke(run.Session, "list", []);
            return (run.Session.FunctionCallsReplayed, run.Session.NestedRuns);
        }

        Assert.Equal((0, 1), List(disableDefault: true));
        Assert.Equal((0, 0), List(disableDefault: true)); // a new session: the function runs, its exec is replayed
        Assert.Equal((0, 0), List(disableDefault: false)); // Default: runs once, its result is kept
        Assert.Equal((1, 0), List(disableDefault: false)); // then the same call is answered with that result
    }
}

/// <summary>What the module's containers get of the repository: the allow-list of its source argument, and nothing else.</summary>
public sealed class ModuleSourceTests
{
    [Fact]
    public void The_source_allow_list_holds_every_file_imagetool_is_built_from_and_the_images_and_nothing_of_the_tests()
    {
        var ignore = Module.SourceIgnore("publishMultiArch");
        Assert.All(Module.Registered, f => Assert.Equal(ignore, Module.SourceIgnore(f.Name)));
        var source = SimDirectory.FromHost(Repo.Root, ignore);
        var paths = source.Paths.ToHashSet(StringComparer.Ordinal);

        Assert.All(SimulatedDaggerSession.BuildInputs("ci/ImageTooling.Cli"), p => Assert.Contains(p, paths));
        Assert.Contains("images/catalog.yaml", paths);
        Assert.Contains(".editorconfig", paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("tests/", StringComparison.Ordinal) || p.StartsWith("ci/module/", StringComparison.Ordinal)
            || p.StartsWith(".git", StringComparison.Ordinal) || p.Contains("/bin/", StringComparison.Ordinal) || p.Contains("/obj/", StringComparison.Ordinal));
        // Every C# file of the projects imagetool is built from is there.
        foreach (var project in SimulatedDaggerSession.BuildInputs("ci/ImageTooling.Cli").Where(p => p.EndsWith(".csproj", StringComparison.Ordinal)))
        {
            var folder = Path.GetDirectoryName(project)!;
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Repo.Root, folder), "*.cs", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(Repo.Root, f).Replace('\\', '/'))
                .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal)))
                Assert.Contains(file, paths);
        }
    }

    [Fact]
    public void An_untracked_file_in_the_repository_does_not_reach_the_containers()
    {
        var name = $"untracked-{Guid.NewGuid():N}";
        var files = new[] { Path.Combine("TestResults", $"{name}.trx"), $".env.{name}", Path.Combine("ci", $"{name}.swp") };
        foreach (var file in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(Repo.Root, file))!);
            File.WriteAllText(Path.Combine(Repo.Root, file), "TOKEN=not-for-containers\n");
        }
        try
        {
            // Without the allow-list the engine would upload them: they are in the repository root it loads. (tests/ is
            // left out of this walk only because other tests create and remove folders there meanwhile.)
            var everything = SimDirectory.FromHost(Repo.Root, ["tests", ".git", "**/bin", "**/obj"]).Paths.ToList();
            Assert.All(files, f => Assert.Contains(f.Replace('\\', '/'), everything));

            using var run = new Scenario();
            Module.Invoke(run.Session, "list", []);

            Assert.NotEmpty(run.Session.FilesInContainers);
            Assert.DoesNotContain(run.Session.FilesInContainers, f => f.Contains(name, StringComparison.Ordinal));
            Assert.Contains("/src/images/catalog.yaml", run.Session.FilesInContainers);
            // imagetool is built from its sources alone: images/ is not part of that exec's inputs.
            var build = Assert.Single(run.Session.ImagetoolBuilds);
            Assert.Contains("ci/ImageTooling.Cli/ImageTooling.Cli.csproj", build);
            Assert.DoesNotContain(build, p => p.StartsWith("images/", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var file in files) File.Delete(Path.Combine(Repo.Root, file));
        }
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
