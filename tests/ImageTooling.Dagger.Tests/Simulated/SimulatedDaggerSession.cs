using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ImageTooling.Dagger.Tests.Fake;

/// <summary>One request as the session received it.</summary>
internal sealed record RecordedRequest(string Name, string Query, string VariablesJson);

/// <summary>A <c>dockerBuild</c> the session was asked for, with what was written into the context first.</summary>
internal sealed record BuildCall(string Dockerfile, string? DockerfileContents, string Platform, IReadOnlyDictionary<string, string> BuildArgs);

internal sealed record ExecCall(FakeContainer Container, IReadOnlyList<string> Args, string? User, string Expect)
{
    public (int ExitCode, string Stdout, string Stderr) Result { get; init; }
}

internal sealed record PublishCall(string Address, IReadOnlyList<FakeContainer> Variants, string? AuthAddress, string? Username, string? SecretUri, string Digest);

/// <summary>An object of the fake session; <c>Id</c> is what <c>id</c>/<c>sync</c> return and <c>node(id:)</c> loads.</summary>
internal abstract record FakeObject(string Type)
{
    public string Id { get; set; } = "";
}

internal sealed record FakeQuery() : FakeObject("Query");

internal sealed record FakeHost() : FakeObject("Host");

internal sealed record FakeFile(string Contents) : FakeObject("File");

internal sealed record FakeSecret(string Uri) : FakeObject("Secret");

internal sealed record FakeDirectory(string HostPath, IReadOnlyDictionary<string, string> NewFiles) : FakeObject("Directory");

internal sealed record FakeContainer(
    BuildCall? Build,
    IReadOnlyDictionary<string, string> Labels,
    string? User,
    ExecCall? Exec,
    (string Address, string Username, FakeSecret Secret)? Auth) : FakeObject("Container");

internal sealed class FakeGraphQLError(string message) : Exception(message);

/// <summary>
/// A STAND-IN FOR A DAGGER SESSION, for tests: no Dagger engine runs here. It listens on 127.0.0.1
/// like the session <c>dagger run</c> opens, insists on the session token as basic-auth user, and
/// answers the part of the API the adapter uses the way a session would (IDs for objects, lazily
/// evaluated chains, exec results, a published reference with a digest), without building anything.
/// It records every request and every build, exec and publish it was asked for. Whether the queries
/// are valid Dagger queries is checked separately, against Dagger's schema, by the contract test.
/// </summary>
internal sealed class FakeDaggerSession : IDisposable
{
    public const string Version = "v0.21.8";

    private readonly HttpListener listener = new();
    private readonly string token;
    private readonly Dictionary<string, FakeObject> objects = [];
    private readonly Lock state = new();
    private readonly Task serving;

    public FakeDaggerSession(string token = "fake-session-token")
    {
        this.token = token;
        Port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}/query");

    /// <summary>Answers a smoke-test exec: exit code, stdout, stderr. The default succeeds silently.</summary>
    public Func<ExecCall, (int ExitCode, string Stdout, string Stderr)> OnExec { get; set; } = _ => (0, "", "");

    /// <summary>Returns an error message to make a build fail, as BuildKit would report it.</summary>
    public Func<BuildCall, string?> FailBuild { get; set; } = _ => null;

    public List<RecordedRequest> Requests { get; } = [];

    public List<BuildCall> Builds { get; } = [];

    public List<ExecCall> Execs { get; } = [];

    public List<PublishCall> Publishes { get; } = [];

    public List<string> HostDirectories { get; } = [];

    public List<string> SecretUris { get; } = [];

    public DaggerClient Client(string? sessionToken = null) => new(Endpoint, sessionToken ?? token);

    public void Dispose()
    {
        listener.Close();
        try
        {
            serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var (status, body) = await AnswerAsync(context.Request);
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    private async Task<(int Status, string Body)> AnswerAsync(HttpListenerRequest request)
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{token}:"));
        if (request.Headers["Authorization"] != expected)
            return (401, """{"message":"unauthorized"}""");
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
        {
            Requests.Add(new RecordedRequest(name, query, v.ValueKind == JsonValueKind.Object ? v.GetRawText() : "{}"));
            try
            {
                var document = GraphQLDocument.Parse(query);
                var data = Select(new FakeQuery(), document.Selections, variables);
                return (200, JsonSerializer.Serialize(new { data }));
            }
            catch (Exception e)
            {
                return (200, JsonSerializer.Serialize(new { data = (object?)null, errors = new[] { new { message = e.Message } } }));
            }
        }
    }

    private Dictionary<string, object?> Select(FakeObject target, IReadOnlyList<Selection> selections, IReadOnlyDictionary<string, object?> variables)
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
                        FakeObject child when field.Selections is not null => Select(Register(child), field.Selections, variables),
                        FakeObject => throw new FakeGraphQLError($"field '{field.Name}' of {target.Type} needs a selection"),
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

    private FakeObject Register(FakeObject value)
    {
        if (value.Id.Length == 0)
        {
            value.Id = $"fake-{value.Type.ToLowerInvariant()}-{objects.Count + 1}";
            objects[value.Id] = value;
        }
        return value;
    }

    /// <summary>The fields of Dagger's API that the adapter uses, answered like a session would.</summary>
    private object? Field(FakeObject target, string field, Dictionary<string, object?> args)
    {
        string Text(string name) => args.TryGetValue(name, out var v) && v is string s ? s : throw new FakeGraphQLError($"{target.Type}.{field}: argument '{name}' is missing");
        string? Optional(string name) => args.TryGetValue(name, out var v) ? v as string : null;

        switch (target, field)
        {
            case (_, "id"):
                return Register(target).Id;
            case (FakeQuery, "version"):
                return Version;
            case (FakeQuery, "defaultPlatform"):
                return "linux/amd64";
            case (FakeQuery, "host"):
                return new FakeHost();
            case (FakeQuery, "node"):
                return objects.TryGetValue(Text("id"), out var loaded)
                    ? loaded
                    : throw new FakeGraphQLError($"failed to load node: no object with ID '{Text("id")}' in this session");
            case (FakeQuery, "secret"):
                SecretUris.Add(Text("uri"));
                return new FakeSecret(Text("uri"));
            case (FakeQuery, "container"):
                return new FakeContainer(null, new Dictionary<string, string>(), null, null, null);
            case (FakeHost, "directory"):
                HostDirectories.Add(Text("path"));
                return new FakeDirectory(Text("path"), new Dictionary<string, string>());
            case (FakeDirectory directory, "withNewFile"):
                return new FakeDirectory(directory.HostPath, new Dictionary<string, string>(directory.NewFiles) { [Text("path")] = Text("contents") });
            case (FakeDirectory directory, "file"):
                return new FakeFile(ReadFile(directory, Text("path")));
            case (FakeFile file, "contents"):
                return file.Contents;
            case (FakeDirectory directory, "dockerBuild"):
                var dockerfile = Optional("dockerfile") ?? "Dockerfile";
                ReadFile(directory, dockerfile);
                var buildArgs = args.TryGetValue("buildArgs", out var list) && list is List<object?> items
                    ? items.Cast<Dictionary<string, object?>>().ToDictionary(a => (string)a["name"]!, a => (string)a["value"]!)
                    : [];
                var build = new BuildCall(dockerfile, directory.NewFiles.GetValueOrDefault(dockerfile), Optional("platform") ?? "linux/amd64", buildArgs);
                Builds.Add(build);
                if (FailBuild(build) is { } failure) throw new FakeGraphQLError(failure);
                return new FakeContainer(build, new Dictionary<string, string>(), null, null, null);
            case (FakeContainer container, "withLabel"):
                return container with { Labels = new Dictionary<string, string>(container.Labels) { [Text("name")] = Text("value") }, Id = "" };
            case (FakeContainer container, "withUser"):
                return container with { User = Text("name"), Id = "" };
            case (FakeContainer container, "sync"):
                return Register(container).Id;
            case (FakeContainer container, "withExec"):
                var execArgs = ((List<object?>)args["args"]!).Cast<string>().ToList();
                var exec = new ExecCall(container, execArgs, container.User, Optional("expect") ?? "SUCCESS");
                exec = exec with { Result = OnExec(exec) };
                Execs.Add(exec);
                return container with { Exec = exec, Id = "" };
            case (FakeContainer { Exec: { } exec2 }, "exitCode" or "stdout" or "stderr"):
                var (exitCode, stdout, stderr) = exec2.Result;
                if ((exec2.Expect == "SUCCESS" && exitCode != 0) || (exec2.Expect == "FAILURE" && exitCode == 0))
                    throw new FakeGraphQLError($"process \"{string.Join(' ', exec2.Args)}\" did not complete successfully: exit code: {exitCode}");
                return field switch { "exitCode" => exitCode, "stdout" => stdout, _ => stderr };
            case (FakeContainer container, "withRegistryAuth"):
                var secret = objects.GetValueOrDefault(Text("secret")) as FakeSecret
                    ?? throw new FakeGraphQLError($"withRegistryAuth: no secret with ID '{Text("secret")}'");
                return container with { Auth = (Text("address"), Text("username"), secret), Id = "" };
            case (FakeContainer container, "publish"):
                var variants = args.TryGetValue("platformVariants", out var ids) && ids is List<object?> idList
                    ? idList.Select(i => objects.GetValueOrDefault((string)i!) as FakeContainer ?? throw new FakeGraphQLError($"publish: no container with ID '{i}'")).ToList()
                    : [];
                var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("|", variants.Select(c => c.Id).Prepend(Text("address"))))));
                Publishes.Add(new PublishCall(Text("address"), variants, container.Auth?.Address, container.Auth?.Username, container.Auth?.Secret.Uri, digest));
                return $"{Text("address")}@{digest}";
            default:
                throw new FakeGraphQLError($"the fake session does not implement {target.Type}.{field}");
        }
    }

    private static string ReadFile(FakeDirectory directory, string path)
    {
        if (directory.NewFiles.TryGetValue(path, out var contents)) return contents;
        var file = Path.Combine(directory.HostPath, path);
        return System.IO.File.Exists(file)
            ? System.IO.File.ReadAllText(file)
            : throw new FakeGraphQLError($"failed to read {path}: open {file}: no such file or directory");
    }
}
