using System.Text.Json;
using ImageTooling.Testing;

namespace ImageTooling.Dagger.Tests.Simulated;

/// <summary>
/// An object of Dagger's module API (Module, TypeDef, Function, SourceMap, Error, ...): the session keeps
/// the calls that made it, so that a test can read back what a module registered.
/// </summary>
internal sealed record SimBuilder(string Kind, IReadOnlyList<(string Field, IReadOnlyDictionary<string, object?> Args)> Calls) : SimObject(Kind);

internal sealed record SimCurrentModule() : SimObject("CurrentModule");

internal sealed record SimFunctionCall() : SimObject("FunctionCall");

internal sealed record SimArgValue(string Name, string Json) : SimObject("FunctionCallArgValue");

/// <summary>What the engine asks a module's runtime to do: register the module, or call one of its functions.</summary>
internal sealed record ModuleCall(string ParentName, string FunctionName, IReadOnlyDictionary<string, string> ArgumentsJson)
{
    public static ModuleCall Registration { get; } = new("", "", new Dictionary<string, string>());
}

/// <summary>A command of a container run with <c>experimentalPrivilegedNesting</c>: a client of this very session.</summary>
internal sealed record NestedRun(string Key, IReadOnlyList<string> Args, string WorkingDirectory, IReadOnlyDictionary<string, string> Environment);

internal sealed class NestedRunNeeded(NestedRun run) : Exception("a nested client must run first")
{
    public NestedRun Run => run;
}

/// <summary>A function of the registered module and its arguments, as the module runtime declared them to the session.</summary>
internal sealed record RegisteredFunction(string Name, IReadOnlyList<RegisteredArgument> Arguments)
{
    /// <summary>What the runtime gave <c>withCachePolicy</c> (Default, PerSession, Never); null when it declared none.</summary>
    public string? CachePolicy { get; init; }
}

/// <summary>
/// The cache policies of a module function (FunctionCachePolicy in core/typedef.go:476-484 at v0.21.8) and how the
/// engine derives the one it applies.
/// </summary>
internal static class FunctionCachePolicies
{
    public const string Default = "Default";
    public const string PerSession = "PerSession";
    public const string Never = "Never";

    /// <summary>
    /// Port of <c>(*Function).derivedCachePolicy</c>, core/typedef.go:328-339 at v0.21.8: no policy is Default, and a
    /// Default policy of a module whose dagger.json sets <c>disableDefaultFunctionCaching</c> becomes PerSession. An
    /// explicit PerSession or Never stays as declared, whatever dagger.json says.
    /// </summary>
    public static string Derived(string? declared, bool disableDefaultFunctionCaching)
    {
        var policy = string.IsNullOrEmpty(declared) ? Default : declared;
        return policy == Default && disableDefaultFunctionCaching ? PerSession : policy;
    }
}

/// <summary>An argument as registered: its type (an object's name, a kind such as STRING, or [ELEMENT] for a list), whether it is optional, its default path.</summary>
internal sealed record RegisteredArgument(string Name, string Type, bool Optional, string? DefaultPath)
{
    /// <summary>The ignore list of a directory argument: what the engine leaves out when it loads the default path.</summary>
    public IReadOnlyList<string> Ignore { get; init; } = [];
}

internal sealed partial class SimulatedDaggerSession
{
    /// <summary>What <c>currentModule.name</c> answers: the name in dagger.json.</summary>
    public string ModuleName { get; set; } = "image-tooling";

    /// <summary>What <c>currentFunctionCall</c> describes; by default, the registration the engine asks for when it loads a module.</summary>
    /// <remarks>Setting it starts a new call: what an earlier call returned is forgotten.</remarks>
    public ModuleCall Call
    {
        get;
        set
        {
            field = value;
            ReturnedValue = null;
            ReturnedError = null;
        }
    } = ModuleCall.Registration;

    /// <summary>dagger.json's <c>disableDefaultFunctionCaching</c> of the module this session calls; null until someone says.</summary>
    public bool? DisableDefaultFunctionCaching { get; set; }

    /// <summary>Results of PerSession functions, by call key: they live as long as this session.</summary>
    private readonly Dictionary<string, string> sessionFunctionResults = [];

    /// <summary>How many function calls of this session were answered from a cache instead of running the module's code.</summary>
    public int FunctionCallsReplayed { get; private set; }

    /// <summary>
    /// A call of a module function as the engine makes it, with function-result caching (ported from Dagger v0.21.8):
    /// the function's cache policy is derived from what the module registered and dagger.json
    /// (<see cref="FunctionCachePolicies.Derived"/>); core/typedef.go:301-323 makes a Default call's result persistable,
    /// kept up to a week (MaxFunctionCacheTTLSeconds, core/modfunc.go:26), and PerSession and Never not; core/modfunc.go:124-138
    /// gives a Never call an input of its own (PerCallInput: never the same call twice) and a PerSession call its session's
    /// (PerSessionInput). So an identical Default call on the same engine returns the earlier result without running the
    /// module's code; an identical PerSession call does so within one session (one `dagger call`); a Never call always runs.
    /// Calls are identical when the function and every argument's content are (<see cref="FunctionCallKey"/>). Errors are
    /// not kept. The week's expiry is not simulated.
    /// </summary>
    /// <param name="run">Runs the module's code for the call; returns its value or its error.</param>
    public (string? Value, string? Error) CallFunction(RegisteredFunction function, Func<(string? Value, string? Error)> run)
    {
        var policy = FunctionCachePolicies.Derived(function.CachePolicy, DisableDefaultFunctionCaching
            ?? throw new InvalidOperationException("say whether dagger.json disables default function caching"));
        var key = FunctionCallKey(Call);
        if (policy == FunctionCachePolicies.Default && Cache.TryFunctionResult(key, out var kept)
            || policy == FunctionCachePolicies.PerSession && sessionFunctionResults.TryGetValue(key, out kept))
        {
            FunctionCallsReplayed++;
            ReturnedValue = kept;
            return (JsonSerializer.Deserialize<string>(kept), null);
        }
        var (value, error) = run();
        if (value is not null && ReturnedValue is { } returned)
        {
            if (policy == FunctionCachePolicies.Default) Cache.KeepFunctionResult(key, returned);
            if (policy == FunctionCachePolicies.PerSession) sessionFunctionResults[key] = returned;
        }
        return (value, error);
    }

    /// <summary>
    /// What makes two calls the same call: the function and each argument, an object argument (a directory, a file, a
    /// secret) by its content, as content-addressed IDs are (a secret by a hash of its value, core/schema/secret.go).
    /// </summary>
    public string FunctionCallKey(ModuleCall call)
    {
        lock (state)
        {
            string Content(string json)
            {
                var value = JsonSerializer.Deserialize<JsonElement>(json);
                string One(JsonElement e) => e.ValueKind == JsonValueKind.String && objects.GetValueOrDefault(e.GetString()!) is { } o
                    ? o switch
                    {
                        SimDirectory d => $"directory {d.ContentKey()}",
                        SimFile f => $"file {Digest([f.Contents])}",
                        SimSecret secret => $"secret {Digest([ResolveSecret(secret)])}",
                        _ => throw new InvalidOperationException($"no content key for a {o.Type} argument"),
                    }
                    : e.GetRawText();
                return value.ValueKind == JsonValueKind.Array ? $"[{string.Join(",", value.EnumerateArray().Select(One))}]" : One(value);
            }
            return Digest([call.ParentName, call.FunctionName, .. call.ArgumentsJson.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={Content(a.Value)}")]);
        }
    }

    /// <summary>The environment of the Dagger CLI, where <c>env://NAME</c> secrets are read.</summary>
    public Dictionary<string, string> ClientEnvironment { get; } = [];

    /// <summary>The built imagetool that stands in for the one the module's build exec publishes to /imagetool.</summary>
    public string? ImagetoolDll { get; set; }

    /// <summary>The files each simulated build of imagetool (<c>dotnet publish ci/ImageTooling.Cli</c>) was given.</summary>
    public List<IReadOnlyList<string>> ImagetoolBuilds { get; } = [];

    /// <summary>Every file that reached a container of the module through <c>withDirectory</c>, by container path.</summary>
    public HashSet<string> FilesInContainers { get; } = [];

    /// <summary>How many times a nested client really ran (not replayed from the cache).</summary>
    public int NestedRuns { get; private set; }

    /// <summary>Where publish pushes, when set: a stand-in registry that then holds what was published.</summary>
    public StandInRegistryServer? Registry { get; set; }

    /// <summary>The JSON the module runtime returned with <c>returnValue</c>, or the error it returned.</summary>
    public string? ReturnedValue { get; private set; }

    public string? ReturnedError { get; private set; }

    /// <summary>Makes an object known to the session, as the engine does with a function's arguments; returns its ID.</summary>
    public string Adopt(SimObject value)
    {
        lock (state) return Register(value).Id;
    }

    /// <summary>The functions of the module's main object, read from what the runtime registered (the ID it returned).</summary>
    public IReadOnlyList<RegisteredFunction> RegisteredFunctions()
    {
        lock (state)
        {
            var id = JsonSerializer.Deserialize<string>(ReturnedValue ?? throw new InvalidOperationException("the module returned nothing"))!;
            var module = (SimBuilder)objects[id];
            var functions = new List<RegisteredFunction>();
            foreach (var typeDefId in module.Calls.Where(c => c.Field == "withObject").Select(c => (string)c.Args["object"]!))
            {
                var typeDef = (SimBuilder)objects[typeDefId];
                foreach (var functionId in typeDef.Calls.Where(c => c.Field == "withFunction").Select(c => (string)c.Args["function"]!))
                {
                    var function = (SimBuilder)objects[functionId];
                    functions.Add(new RegisteredFunction(
                        (string)function.Calls[0].Args["name"]!,
                        function.Calls.Where(c => c.Field == "withArg").Select(c => Argument(c.Args)).ToList())
                    {
                        CachePolicy = function.Calls.LastOrDefault(c => c.Field == "withCachePolicy").Args?.GetValueOrDefault("policy") as string,
                    });
                }
            }
            return functions;
        }
    }

    private RegisteredArgument Argument(IReadOnlyDictionary<string, object?> withArg)
    {
        var typeDef = (SimBuilder)objects[(string)withArg["typeDef"]!];
        var type = TypeName(typeDef);
        var optional = typeDef.Calls.Any(c => c.Field == "withOptional" && c.Args.GetValueOrDefault("optional") is true) || withArg.ContainsKey("defaultValue");
        var ignore = withArg.GetValueOrDefault("ignore") is List<object?> patterns ? patterns.Cast<string>().ToList() : [];
        return new RegisteredArgument((string)withArg["name"]!, type, optional, withArg.GetValueOrDefault("defaultPath") as string) { Ignore = ignore };
    }

    /// <summary>A registered type: an object's name, a kind such as STRING, or a list as [ELEMENT] (e.g. [File]).</summary>
    private string TypeName(SimBuilder typeDef) => typeDef.Calls.Skip(1).Select(c => c.Field switch
    {
        "withObject" => c.Args["name"] as string,
        "withKind" => c.Args["kind"] as string,
        "withScalar" => c.Args["name"] as string,
        "withListOf" => $"[{TypeName((SimBuilder)objects[(string)c.Args["elementType"]!])}]",
        _ => null,
    }).OfType<string>().FirstOrDefault() ?? "?";

    private object? ModuleField(SimObject target, string field, Dictionary<string, object?> args)
    {
        string Text(string name) => args.TryGetValue(name, out var v) && v is string s ? s : throw new SimulatedGraphQLError($"{target.Type}.{field}: argument '{name}' is missing");
        SimContainer Change(SimContainer container, Func<SimContainer, SimContainer> change) => change(container) with { Id = "" };

        switch (target, field)
        {
            case (SimQuery, "module" or "typeDef" or "function" or "sourceMap" or "error"):
                var kind = field switch { "module" => "Module", "typeDef" => "TypeDef", "function" => "Function", "sourceMap" => "SourceMap", _ => "Error" };
                return new SimBuilder(kind, [(field, args)]);
            case (SimBuilder builder, _) when field.StartsWith("with", StringComparison.Ordinal):
                return new SimBuilder(builder.Kind, [.. builder.Calls, (field, args)]);
            case (SimQuery, "currentModule"):
                return new SimCurrentModule();
            case (SimCurrentModule, "name"):
                return ModuleName;
            case (SimQuery, "currentFunctionCall"):
                return new SimFunctionCall();
            case (SimFunctionCall, "parentName"):
                return Call.ParentName;
            case (SimFunctionCall, "name"):
                return Call.FunctionName;
            case (SimFunctionCall, "parent"):
                return "{}";
            case (SimFunctionCall, "inputArgs"):
                return Call.ArgumentsJson.Select(a => new SimArgValue(a.Key, a.Value)).ToList();
            case (SimArgValue value, "name"):
                return value.Name;
            case (SimArgValue value, "value"):
                return value.Json;
            case (SimFunctionCall, "returnValue"):
                ReturnedValue = Text("value");
                return null;
            case (SimFunctionCall, "returnError"):
                // The SDK sends the message, and the extensions of an exec error (stderr, exitCode, ...) as values.
                var error = objects.GetValueOrDefault(Text("error")) as SimBuilder;
                ReturnedError = error is null
                    ? Text("error")
                    : string.Join("\n", error.Calls.Select(c => c.Field == "withValue" ? $"{c.Args["name"]}: {c.Args["value"]}" : c.Args.GetValueOrDefault("message") as string));
                return null;
            case (SimContainer container, "from"):
                return Change(container, c => c with { From = Text("address") });
            case (SimContainer container, "withEnvVariable"):
                return Change(container, c => c with { Env = new Dictionary<string, string>(c.Env) { [Text("name")] = Text("value") } });
            case (SimContainer container, "withWorkdir"):
                return Change(container, c => c with { Workdir = Text("path") });
            case (SimContainer container, "withDirectory"):
                var directory = (objects.GetValueOrDefault(Text("source")) as SimDirectory
                    ?? throw new SimulatedGraphQLError($"withDirectory: no directory with ID '{Text("source")}'"))
                    .Without(args.TryGetValue("exclude", out var exclude) && exclude is List<object?> list ? list.Cast<string>() : []);
                foreach (var path in directory.Paths) FilesInContainers.Add($"{Text("path").TrimEnd('/')}/{path}");
                return Change(container, c => c with { Mounts = new Dictionary<string, SimDirectory>(c.Mounts) { [Text("path")] = directory } });
            case (SimContainer container, "withFile"):
                // A File given to the module as an argument (e.g. a run report from `dagger call ... --staged FILE`).
                var file = objects.GetValueOrDefault(Text("source")) as SimFile
                    ?? throw new SimulatedGraphQLError($"withFile: no file with ID '{Text("source")}'");
                FilesInContainers.Add(Text("path"));
                return Change(container, c => c with { Files = new Dictionary<string, SimFile>(c.Files) { [Text("path")] = file } });
            case (SimQuery, "cacheVolume"):
                return new SimCacheVolume(Text("key"));
            case (SimContainer container, "withMountedCache"):
                var volume = objects.GetValueOrDefault(Text("cache")) as SimCacheVolume
                    ?? throw new SimulatedGraphQLError($"withMountedCache: no cache volume with ID '{Text("cache")}'");
                return Change(container, c => c with { CacheMounts = new Dictionary<string, string>(c.CacheMounts) { [Text("path")] = volume.Key } });
            case (SimContainer { Exec: { } exec } container, "directory"):
                // What the last exec left at the path: known here only by the exec that made it.
                Completed(exec);
                return new SimDirectory(new Dictionary<string, string>(), new Dictionary<string, string>()) { MadeBy = $"{string.Join(' ', exec.Args)} [{exec.Key}] {Text("path")}" };
            case (SimContainer container, "withSecretVariable"):
                var secret = objects.GetValueOrDefault(Text("secret")) as SimSecret
                    ?? throw new SimulatedGraphQLError($"withSecretVariable: no secret with ID '{Text("secret")}'");
                return Change(container, c => c with { SecretEnv = new Dictionary<string, SimSecret>(c.SecretEnv) { [Text("name")] = secret } });
            default:
                throw new SimulatedGraphQLError($"the simulated session does not implement {target.Type}.{field}");
        }
    }

    /// <summary>
    /// The result of a nested client's command, once it has run. The engine gives such a container this session
    /// (DAGGER_SESSION_PORT/TOKEN); here the command runs on this machine, in a folder that stands for the container's
    /// root: every directory and file the module put into the container is at its path below that folder, the command
    /// runs in the container's workdir there, and an absolute path among its arguments that lies in what the container
    /// holds is given as the same path below that folder. The imagetool the module published to /imagetool is replaced
    /// by the built one.
    /// </summary>
    private (int ExitCode, string Stdout, string Stderr) Nested(SimContainer container, IReadOnlyList<string> args, string key)
    {
        var root = Path.Combine(scratch, key[..16]);
        string Below(string path) => Path.Combine(root, path.TrimStart('/'));
        foreach (var (path, directory) in container.Mounts)
            directory.CopyTo(Below(path));
        foreach (var (path, file) in container.Files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Below(path))!);
            System.IO.File.WriteAllText(Below(path), file.Contents);
        }
        var workdir = Below(container.Workdir);
        Directory.CreateDirectory(workdir);
        bool Held(string path) => path.StartsWith('/') && (container.Files.ContainsKey(path)
            || container.Mounts.Keys.Any(m => path == m || path.StartsWith(m.TrimEnd('/') + "/", StringComparison.Ordinal)));
        var arguments = args.Take(2).Concat(args.Skip(2).Select(a => Held(a) ? Below(a) : a)).ToList();
        var environment = new Dictionary<string, string>(container.Env)
        {
            ["DAGGER_SESSION_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DAGGER_SESSION_TOKEN"] = token,
        };
        foreach (var (name, secret) in container.SecretEnv)
            environment[name] = ResolveSecret(secret);
        var built = container.Mounts.GetValueOrDefault(Imagetool)?.MadeBy ?? "";
        if (!built.StartsWith("dotnet publish ci/ImageTooling.Cli ", StringComparison.Ordinal) || !built.Contains($" --output {Imagetool} ", StringComparison.Ordinal) || !built.EndsWith($"] {Imagetool}", StringComparison.Ordinal))
            return (127, "", $"simulated session: no imagetool published by the module is mounted at {Imagetool} (found: '{built}')");
        throw new NestedRunNeeded(new NestedRun(key, arguments, workdir, environment));
    }

    private const string Imagetool = "/imagetool";

    /// <summary>
    /// An exec in a container the module made without nesting. The only one the module runs is the build of imagetool,
    /// <c>dotnet publish ci/ImageTooling.Cli ... --output /imagetool</c>: simulated by checking that the directory at
    /// the workdir holds every project ImageTooling.Cli is built from and the files MSBuild reads above them (nothing
    /// is compiled; the tests run the imagetool this test project built).
    /// </summary>
    private (int ExitCode, string Stdout, string Stderr) ModuleExec(SimContainer container, IReadOnlyList<string> args)
    {
        if (args.Count < 3 || args[0] != "dotnet" || args[1] != "publish")
            return (127, "", $"simulated session: the module's containers can only build imagetool here, not {string.Join(' ', args)}");
        var source = container.Mounts.GetValueOrDefault(container.Workdir) ?? SimDirectory.Empty;
        ImagetoolBuilds.Add(source.Paths.ToList());
        var missing = BuildInputs(args[2]).Where(p => source.Read(p) is null).ToList();
        return missing.Count == 0
            ? (0, "", "")
            : (1, "", $"MSBUILD : error MSB1009: Project file does not exist. (simulated session: missing {string.Join(", ", missing)})");
    }

    /// <summary>The project files of <paramref name="project"/> and every project it references, and the files MSBuild and the SDK read above them.</summary>
    public static IReadOnlyList<string> BuildInputs(string project)
    {
        var files = new List<string> { "Directory.Build.props", "Directory.Packages.props", "global.json" };
        void Visit(string csproj)
        {
            if (files.Contains(csproj)) return;
            files.Add(csproj);
            var text = System.IO.File.ReadAllText(Path.Combine(TestRepository.Root, csproj));
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, "ProjectReference Include=\"([^\"]+)\""))
                Visit(Path.GetRelativePath(TestRepository.Root, Path.GetFullPath(Path.Combine(TestRepository.Root, Path.GetDirectoryName(csproj)!, m.Groups[1].Value))).Replace('\\', '/'));
        }
        var folder = project.TrimEnd('/');
        Visit($"{folder}/{Path.GetFileName(folder)}.csproj");
        return files;
    }

    private string ResolveSecret(SimSecret secret) =>
        secret.Uri.StartsWith("env://", StringComparison.Ordinal) && ClientEnvironment.TryGetValue(secret.Uri["env://".Length..], out var value)
            ? value
            : throw new SimulatedGraphQLError($"failed to resolve secret {secret.Uri}: not set in the client's environment");

    private async Task<(int, string, string)> RunNestedAsync(NestedRun run)
    {
        if (ImagetoolDll is null || run.Args.Count < 2 || run.Args[0] != "dotnet" || run.Args[1] != $"{Imagetool}/imagetool.dll")
            return (127, "", $"simulated session: only {Imagetool}/imagetool.dll can run nested here, not {string.Join(' ', run.Args)}");
        lock (state) NestedRuns++;
        var arguments = run.Args.Skip(2).Prepend(ImagetoolDll);
        var result = await Task.Run(() => TestProcess.Run("dotnet", arguments, run.WorkingDirectory, run.Environment, TimeSpan.FromMinutes(5)));
        // Each stream on its own, as the engine keeps them: `stdout` is what the module returns (with --metadata-file -,
        // the run report alone), the printed lines are on stderr.
        return (result.ExitCode, result.StandardOutput, result.StandardError);
    }
}
