using System.Net;
using ImageTooling.Testing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ImageTooling.Dagger.Tests.Simulated;

/// <summary>One request as the session received it.</summary>
internal sealed record SessionRequest(string Name, string Query, string VariablesJson);

/// <summary>A <c>dockerBuild</c> the session was asked for, with what was written into the context first.</summary>
internal sealed record BuildCall(string Dockerfile, string? DockerfileContents, string Platform, IReadOnlyDictionary<string, string> BuildArgs)
{
    /// <summary>A digest of the build's inputs (context contents, Dockerfile, platform, build arguments).</summary>
    public string Key { get; init; } = "";

    /// <summary>An identical build was made before on this engine: BuildKit answers it from its cache.</summary>
    public bool FromCache { get; init; }
}

internal sealed record ExecCall(SimContainer Container, IReadOnlyList<string> Args, string? User, string Expect)
{
    public (int ExitCode, string Stdout, string Stderr) Result { get; init; }

    /// <summary>A digest of everything the exec depends on: the container's inputs and the exec's own arguments.</summary>
    public string Key { get; init; } = "";

    /// <summary>The result came from the engine's cache: the command did not run.</summary>
    public bool Replayed { get; init; }
}

/// <summary>A directory mounted into a container for a smoke test (a kube config at /mnt/kube, read-only or owned by the test's user).</summary>
internal sealed record MountCall(string Path, SimDirectory Source, bool ReadOnly, string Owner);

internal sealed record PublishCall(string Address, IReadOnlyList<SimContainer> Variants, string? AuthAddress, string? Username, string? SecretUri, string Digest);

/// <summary>An object of the simulated session; <c>Id</c> is what <c>id</c>/<c>sync</c> return and <c>node(id:)</c> loads.</summary>
internal abstract record SimObject(string Type)
{
    public string Id { get; set; } = "";
}

internal sealed record SimQuery() : SimObject("Query");

internal sealed record SimHost() : SimObject("Host");

internal sealed record SimFile(string Contents) : SimObject("File");

/// <summary>A container's image as an OCI tarball (<c>asTarball</c>): a File of the session, written out by <c>export</c>.</summary>
internal sealed record SimTarball(SimContainer Container) : SimObject("File");

/// <summary>An OCI tarball the session wrote to the client's side (<c>asTarball</c>, then <c>export</c>), and the image it holds.</summary>
internal sealed record ExportCall(string Path, SimContainer Container, string ManifestDigest);

internal sealed record SimSecret(string Uri) : SimObject("Secret");

internal sealed record SimCacheVolume(string Key) : SimObject("CacheVolume");

internal sealed record SimContainer(
    BuildCall? Build,
    IReadOnlyDictionary<string, string> Labels,
    string? User,
    ExecCall? Exec,
    (string Address, string Username, SimSecret Secret)? Auth) : SimObject("Container")
{
    /// <summary>The image the container starts from (<c>from</c>), for containers a module builds itself.</summary>
    public string? From { get; init; }

    public string Workdir { get; init; } = "/";

    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, SimSecret> SecretEnv { get; init; } = new Dictionary<string, SimSecret>();

    public IReadOnlyDictionary<string, SimDirectory> Mounts { get; init; } = new Dictionary<string, SimDirectory>();

    /// <summary>Files put into the container with <c>withFile</c>, by their path in it.</summary>
    public IReadOnlyDictionary<string, SimFile> Files { get; init; } = new Dictionary<string, SimFile>();

    /// <summary>Cache volumes by mount path: not part of an exec's cache key, as in the engine.</summary>
    public IReadOnlyDictionary<string, string> CacheMounts { get; init; } = new Dictionary<string, string>();
}

/// <summary>A GraphQL error of the session, with Dagger's <c>extensions</c> where Dagger sends them.</summary>
internal sealed class SimulatedGraphQLError(string message, IReadOnlyDictionary<string, object?>? extensions = null) : Exception(message)
{
    public IReadOnlyDictionary<string, object?>? Extensions => extensions;
}

/// <summary>
/// A SIMULATED DAGGER SESSION, for tests: no Dagger engine runs here, and nothing in it was captured
/// from one. It listens on 127.0.0.1 like the session `dagger run` opens, insists on the session token
/// as basic-auth user, and answers the part of the API that the adapter and the module shell use the
/// way Dagger v0.21.8 does (IDs for objects, lazily evaluated chains, exec results and errors, a
/// published reference with its digest, a module's registration and function calls), without building
/// anything. It keeps every request and every build, exec and publish it was asked for. Whether the
/// requests are valid Dagger requests is checked separately, against Dagger's schema, by graphql-js.
/// </summary>
internal sealed partial class SimulatedDaggerSession : IDisposable
{
    public const string Version = "v0.21.8";

    private readonly LoopbackServer server;
    private readonly string token;

    public string Token => token;
    private readonly Dictionary<string, SimObject> objects = [];
    private readonly Dictionary<string, (int ExitCode, string Stdout, string Stderr)> finishedNested = [];
    private readonly string scratch = Path.Combine(Path.GetTempPath(), $"simulated-dagger-{Guid.NewGuid():N}");
    private readonly Lock state = new();

    public SimulatedDaggerSession(string token = "simulated-session-token")
    {
        this.token = token;
        server = new LoopbackServer(HandleAsync);
    }

    public int Port => server.Port;

    public Uri Endpoint => new($"http://127.0.0.1:{Port}/query");

    /// <summary>Answers a smoke-test exec: exit code, stdout, stderr. The default succeeds silently.</summary>
    public Func<ExecCall, (int ExitCode, string Stdout, string Stderr)> OnExec { get; set; } = _ => (0, "", "");

    /// <summary>Returns an error message to make a build fail, as BuildKit would report it.</summary>
    public Func<BuildCall, string?> FailBuild { get; set; } = _ => null;

    public List<SessionRequest> Requests { get; } = [];

    public List<BuildCall> Builds { get; } = [];

    public List<ExecCall> Execs { get; } = [];

    public List<PublishCall> Publishes { get; } = [];

    public List<ExportCall> Exports { get; } = [];

    public List<MountCall> MountedDirectories { get; } = [];

    public List<string> HostDirectories { get; } = [];

    public List<string> SecretUris { get; } = [];

    /// <summary>The engine's cache; share one between sessions to simulate calls on one warm engine.</summary>
    public SimulatedEngineCache Cache { get; init; } = new();

    public DaggerClient Client(string? sessionToken = null) => new(Endpoint, sessionToken ?? token);

    public void Dispose()
    {
        server.Dispose();
        if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var (status, body) = await AnswerAsync(context.Request);
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.StatusCode = status;
        if (status == 401)
            context.Response.Headers["WWW-Authenticate"] = "Basic realm=\"Access to the Dagger engine session\"";
        else
            context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    private async Task<(int Status, string Body)> AnswerAsync(HttpListenerRequest request)
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{token}:"));
        // A wrong session token gets a bare 401 with a Basic challenge and no body. That is the session proxy of the Dagger
        // CLI (`dagger run`, engine/client/client.go:1136-1141 at v0.21.8), which is what a client outside the engine
        // talks to. A nested client (withExec with experimentalPrivilegedNesting) is served by the engine itself
        // (engine/server/session.go:1055, ServeHTTPToNestedClient); what it answers a wrong token is not simulated.
        if (request.Headers["Authorization"] != expected)
            return (401, "");
        if (request.HttpMethod != "POST" || request.Url?.AbsolutePath != "/query")
            return (404, """{"message":"not found"}""");

        using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
        using var json = JsonDocument.Parse(await reader.ReadToEndAsync());
        var query = json.RootElement.GetProperty("query").GetString() ?? "";
        var variables = json.RootElement.TryGetProperty("variables", out var v) && v.ValueKind == JsonValueKind.Object
            ? v.EnumerateObject().ToDictionary(p => p.Name, p => GraphQLDocument.FromJson(p.Value))
            : [];
        var name = query.TrimStart().StartsWith("query ", StringComparison.Ordinal) ? query.TrimStart()[6..].Split('(', '{')[0].Trim() : "";
        lock (state)
            Requests.Add(new SessionRequest(name, query, v.ValueKind == JsonValueKind.Object ? v.GetRawText() : "{}"));
        while (true)
        {
            // A nested client's command runs outside the lock: it sends its own requests to this session.
            NestedRun? pending = null;
            lock (state)
            {
                try
                {
                    return Evaluate(query, variables);
                }
                catch (NestedRunNeeded needed)
                {
                    pending = needed.Run;
                }
            }
            var result = await RunNestedAsync(pending);
            lock (state) finishedNested[pending.Key] = result;
        }
    }

    private (int Status, string Body) Evaluate(string query, Dictionary<string, object?> variables)
    {
        {
            try
            {
                var document = GraphQLDocument.Parse(query);
                var data = Select(new SimQuery(), document.Selections, variables);
                return (200, JsonSerializer.Serialize(new { data }));
            }
            catch (NestedRunNeeded)
            {
                throw;
            }
            catch (SimulatedGraphQLError e) when (e.Extensions is not null)
            {
                return (200, JsonSerializer.Serialize(new { data = (object?)null, errors = new[] { new { message = e.Message, extensions = e.Extensions } } }));
            }
            catch (Exception e)
            {
                return (200, JsonSerializer.Serialize(new { data = (object?)null, errors = new[] { new { message = e.Message } } }));
            }
        }
    }

    private Dictionary<string, object?> Select(SimObject target, IReadOnlyList<Selection> selections, IReadOnlyDictionary<string, object?> variables)
    {
        var result = new Dictionary<string, object?>();
        foreach (var selection in selections)
        {
            switch (selection)
            {
                case InlineFragment fragment when fragment.TypeCondition is null || fragment.TypeCondition == target.Type:
                    foreach (var (key, value) in Select(target, fragment.Selections, variables)) result[key] = value;
                    break;
                case FieldSelection field:
                    var arguments = field.Arguments.ToDictionary(a => a.Key, a => Resolve(a.Value, variables));
                    var value2 = Field(target, field.Name, arguments);
                    result[field.ResponseKey] = value2 switch
                    {
                        SimObject child when field.Selections is not null => Select(Register(child), field.Selections, variables),
                        IEnumerable<SimObject> children when field.Selections is not null => children.Select(c => Select(Register(c), field.Selections, variables)).ToList(),
                        SimObject => throw new SimulatedGraphQLError($"field '{field.Name}' of {target.Type} needs a selection"),
                        _ => value2,
                    };
                    break;
            }
        }
        return result;
    }

    private static object? Resolve(object? value, IReadOnlyDictionary<string, object?> variables) => value switch
    {
        VariableReference reference => variables.TryGetValue(reference.Name, out var v) ? v : null,
        EnumLiteral literal => literal.Value,
        List<object?> list => list.Select(i => Resolve(i, variables)).ToList(),
        Dictionary<string, object?> fields => fields.ToDictionary(f => f.Key, f => Resolve(f.Value, variables)),
        _ => value,
    };

    private SimObject Register(SimObject value)
    {
        if (value.Id.Length == 0)
        {
            value.Id = $"sim-{value.Type.ToLowerInvariant()}-{objects.Count + 1}";
            objects[value.Id] = value;
        }
        return value;
    }

    /// <summary>The fields of Dagger's API that the adapter uses, answered like a session would.</summary>
    private object? Field(SimObject target, string field, Dictionary<string, object?> args)
    {
        string Text(string name) => args.TryGetValue(name, out var v) && v is string s ? s : throw new SimulatedGraphQLError($"{target.Type}.{field}: argument '{name}' is missing");
        string? Optional(string name) => args.TryGetValue(name, out var v) ? v as string : null;

        switch (target, field)
        {
            case (_, "id"):
                return Register(target).Id;
            case (SimQuery, "version"):
                return Version;
            case (SimQuery, "defaultPlatform"):
                return "linux/amd64";
            case (SimQuery, "host"):
                return new SimHost();
            case (SimQuery, "node"):
                return objects.TryGetValue(Text("id"), out var loaded)
                    ? loaded
                    : throw new SimulatedGraphQLError($"failed to load node: no object with ID '{Text("id")}' in this session");
            case (SimQuery, "secret"):
                SecretUris.Add(Text("uri"));
                return new SimSecret(Text("uri"));
            case (SimQuery, "container"):
                return new SimContainer(null, new Dictionary<string, string>(), null, null, null);
            case (SimHost, "directory"):
                HostDirectories.Add(Text("path"));
                return SimDirectory.FromHost(Text("path"), Strings(args, "exclude"));
            case (SimDirectory directory, "withNewFile"):
                return directory.WithNewFile(Text("path"), Text("contents"));
            case (SimDirectory directory, "directory"):
                return directory.Below(Text("path"));
            case (SimDirectory directory, "file"):
                return new SimFile(ReadFile(directory, Text("path")));
            case (SimFile file, "contents"):
                return file.Contents;
            case (SimDirectory directory, "dockerBuild"):
                var dockerfile = Optional("dockerfile") ?? "Dockerfile";
                ReadFile(directory, dockerfile);
                var buildArgs = args.TryGetValue("buildArgs", out var list) && list is List<object?> items
                    ? items.Cast<Dictionary<string, object?>>().ToDictionary(a => (string)a["name"]!, a => (string)a["value"]!)
                    : [];
                var build = new BuildCall(dockerfile, directory.NewFiles.GetValueOrDefault(dockerfile), Optional("platform") ?? "linux/amd64", buildArgs);
                var buildKey = Digest([directory.ContentKey(), build.Dockerfile, build.Platform, .. build.BuildArgs.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}")]);
                build = build with { Key = buildKey, FromCache = Cache.Built(buildKey) };
                Builds.Add(build);
                if (FailBuild(build) is { } failure) throw new SimulatedGraphQLError(failure);
                return new SimContainer(build, new Dictionary<string, string>(), null, null, null);
            case (SimContainer container, "withLabel"):
                return container with { Labels = new Dictionary<string, string>(container.Labels) { [Text("name")] = Text("value") }, Id = "" };
            case (SimContainer container, "withUser"):
                return container with { User = Text("name"), Id = "" };
            case (SimQuery, "directory"):
                return SimDirectory.Empty;
            case (SimContainer container, "withMountedDirectory"):
                var source = objects.GetValueOrDefault(Text("source")) as SimDirectory
                    ?? throw new SimulatedGraphQLError($"withMountedDirectory: no directory with ID '{Text("source")}'");
                MountedDirectories.Add(new MountCall(Text("path"), source, args.GetValueOrDefault("readOnly") is true, Optional("owner") ?? ""));
                return container with { Mounts = new Dictionary<string, SimDirectory>(container.Mounts) { [Text("path")] = source }, Id = "" };
            case (SimContainer container, "sync"):
                return Register(container).Id;
            case (SimContainer container, "withExec"):
                return Exec(container, ((List<object?>)args["args"]!).Cast<string>().ToList(), Optional("expect") ?? "SUCCESS", args.GetValueOrDefault("experimentalPrivilegedNesting") is true);
            case (SimContainer { Exec: { } exec2 }, "exitCode" or "stdout" or "stderr"):
                var (exitCode, stdout, stderr) = Completed(exec2);
                return field switch { "exitCode" => exitCode, "stdout" => stdout, _ => stderr };
            case (SimContainer container, "withRegistryAuth"):
                var secret = objects.GetValueOrDefault(Text("secret")) as SimSecret
                    ?? throw new SimulatedGraphQLError($"withRegistryAuth: no secret with ID '{Text("secret")}'");
                return container with { Auth = (Text("address"), Text("username"), secret), Id = "" };
            case (SimContainer container, "publish"):
                // As Container.Publish in core/container.go at v0.21.8: the receiver is a variant too, containers
                // without a root filesystem (the empty `container`) are dropped, a platform may appear only once,
                // and the result is the normalized address with the index digest appended.
                var given = args.TryGetValue("platformVariants", out var ids) && ids is List<object?> idList
                    ? idList.Select(i => objects.GetValueOrDefault((string)i!) as SimContainer ?? throw new SimulatedGraphQLError($"publish: no container with ID '{i}'")).ToList()
                    : [];
                var variants = given.Prepend(container).Where(c => c.Build is not null).ToList();
                if (variants.GroupBy(c => c.Build!.Platform).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
                    throw new SimulatedGraphQLError($"duplicate platform \"{duplicate.Key}\"");
                if (variants.Count == 0) throw new SimulatedGraphQLError("no containers to export");
                var digest = Registry?.Push(Text("address"), variants.Select(c => (c.Build!.Platform, c.Labels)).ToList())
                    ?? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("|", variants.Select(c => c.Id).Prepend(Text("address"))))));
                Publishes.Add(new PublishCall(Text("address"), variants, container.Auth?.Address, container.Auth?.Username, container.Auth?.Secret.Uri, digest));
                return $"{Normalized(Text("address"))}@{digest}";
            case (SimContainer container, "asTarball"):
                // Only what the adapter asks for is simulated: gzip layers, OCI media types, the container's own platform.
                if (Optional("forcedCompression") is not (null or "Gzip") || Optional("mediaTypes") is not (null or "OCIMediaTypes")
                    || args.GetValueOrDefault("platformVariants") is List<object?> { Count: > 0 })
                    throw new SimulatedGraphQLError("the simulated session writes only single-platform OCI tarballs with gzip layers");
                return container.Build is null
                    ? throw new SimulatedGraphQLError("no containers to export")
                    : new SimTarball(container);
            case (SimTarball tarball, "export"):
                // The file is written on the client's side of the session: the nested imagetool runs on this machine.
                var exported = Path.GetFullPath(Text("path"));
                Exports.Add(new ExportCall(exported, tarball.Container, SimOciTarball.Write(tarball.Container.Build!, tarball.Container.Labels, exported)));
                return exported;
            default:
                return ModuleField(target, field, args);
        }
    }

    /// <summary>The reference as Dagger prints it: a bare Docker Hub name gets docker.io/ (and library/).</summary>
    private static string Normalized(string address)
    {
        var first = address.Split('/')[0];
        if (address.Contains('/', StringComparison.Ordinal) && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"))
            return address;
        return address.Contains('/', StringComparison.Ordinal) ? $"docker.io/{address}" : $"docker.io/library/{address}";
    }

    private static string ReadFile(SimDirectory directory, string path) =>
        directory.Read(path) ?? throw new SimulatedGraphQLError($"failed to read {path}: open {path}: no such file or directory");

    private static List<string> Strings(Dictionary<string, object?> args, string name) =>
        args.TryGetValue(name, out var value) && value is List<object?> list ? list.Cast<string>().ToList() : [];

    private static string Digest(IEnumerable<string> parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", parts))));

    /// <summary>
    /// <c>withExec</c>. An exec whose key (its container's inputs and its own arguments) the engine's cache holds is
    /// replayed: the command does not run, its earlier result is returned (see <see cref="SimulatedEngineCache"/>).
    /// Otherwise a nested client runs imagetool, a container the module made runs <see cref="ModuleExec"/>, and a
    /// built image runs <see cref="OnExec"/>.
    /// </summary>
    private SimContainer Exec(SimContainer container, List<string> args, string expect, bool nesting)
    {
        var key = Digest([ContainerKey(container), .. args, $"user={container.User}", $"expect={expect}", $"nesting={nesting}"]);
        var exec = new ExecCall(container, args, container.User, expect) { Key = key };
        if (nesting && finishedNested.TryGetValue(key, out var finished))
            exec = exec with { Result = finished };
        else if (Cache.TryReplay(key, out var cached))
            exec = exec with { Result = cached, Replayed = true };
        else
            exec = exec with { Result = nesting ? Nested(container, args, key) : container.Build is null ? ModuleExec(container, args) : OnExec(exec) };
        if (!exec.Replayed && !Failed(exec)) Cache.Keep(key, exec.Result);
        Execs.Add(exec);
        return container with { Exec = exec, Id = "" };
    }

    private static bool Failed(ExecCall exec) =>
        (exec.Expect == "SUCCESS" && exec.Result.ExitCode != 0) || (exec.Expect == "FAILURE" && exec.Result.ExitCode == 0);

    /// <summary>The exec's result, or the error Dagger returns for an unexpected exit.</summary>
    private static (int ExitCode, string Stdout, string Stderr) Completed(ExecCall exec)
    {
        // An unexpected exit is an error whose extensions carry the command, exit code and output (core/exec_error.go at
        // v0.21.8); its message ends "exit code: N" (as quoted in core/integration/module_test.go:7335 at v0.21.8).
        if (Failed(exec))
            throw new SimulatedGraphQLError($"process \"{string.Join(' ', exec.Args)}\" did not complete successfully: exit code: {exec.Result.ExitCode}",
                new Dictionary<string, object?> { ["_type"] = "EXEC_ERROR", ["cmd"] = exec.Args, ["exitCode"] = exec.Result.ExitCode, ["stdout"] = exec.Result.Stdout, ["stderr"] = exec.Result.Stderr });
        return exec.Result;
    }

    /// <summary>A digest of what a container's next exec depends on; cache volumes are left out, as the engine does.</summary>
    private string ContainerKey(SimContainer container) => Digest([
        $"from={container.From}",
        $"build={container.Build?.Key}",
        $"user={container.User}",
        $"workdir={container.Workdir}",
        .. container.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"label {l.Key}={l.Value}"),
        .. container.Env.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"env {e.Key}={e.Value}"),
        // A secret counts by a hash of its value (core/schema/secret.go at v0.21.8), never by the value itself.
        .. container.SecretEnv.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"secret {e.Key}={Digest([ResolveSecret(e.Value)])}"),
        .. container.Mounts.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"mount {m.Key}={m.Value.ContentKey()}"),
        .. container.Files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"file {f.Key}={Digest([f.Value.Contents])}"),
        $"after={container.Exec?.Key}",
    ]);
}
