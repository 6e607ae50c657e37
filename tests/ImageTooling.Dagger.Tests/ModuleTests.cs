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
        NodeTool.RunWithEnvironment(Package, new Dictionary<string, string>
        {
            ["DAGGER_SESSION_PORT"] = session.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DAGGER_SESSION_TOKEN"] = session.Token,
        }, "module.mjs", "entrypoint");

    /// <summary><c>tsc --noEmit</c> with tests/module's TypeScript, against @dagger.io/dagger; <paramref name="project"/> defaults to tsconfig.json.</summary>
    public static ProcessResult TypeCheck(string project = "tsconfig.json") =>
        NodeTool.Run(Package, Path.Combine("node_modules", "typescript", "bin", "tsc"), "--project", project);

    /// <summary>The arguments of a function call as the engine passes them: each value as JSON.</summary>
    public static ModuleCall Call(string function, Dictionary<string, object> arguments) =>
        new("ImageTooling", function, arguments.ToDictionary(a => a.Key, a => JsonSerializer.Serialize(a.Value)));
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
        var declared = ModuleDeclaration.Read().ToDictionary(f => f.Name, f => f.Arguments.Select(a => a.Name).ToList());
        Assert.Equal(declared.Keys.Order(StringComparer.Ordinal), registered.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, arguments) in declared)
            Assert.Equal(arguments, registered[name]);
        Assert.Equal(["build", "list", "plan", "publishMultiArch", "test"], registered.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("token", registered["publishMultiArch"]);

        var text = await Contract.ValidateAsync(session.Requests.Select(r => ("module registration", r)).ToList(), output);
        output.WriteLine($"registration: {session.Requests.Count} requests");
        Assert.Contains(session.Requests, r => r.Query.Contains("withFunction", StringComparison.Ordinal));
        Assert.NotEmpty(text);
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
