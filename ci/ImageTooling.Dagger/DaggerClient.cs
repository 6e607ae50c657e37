using ImageTooling.Catalog;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ImageTooling.Dagger;

/// <summary>
/// A small typed client of the Dagger GraphQL API, covering only what the pipeline uses. Every
/// request names the pipeline step it serves, so that a failure reads "dagger: STEP: MESSAGE".
/// </summary>
public sealed class DaggerClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private readonly HttpClient http;

    public DaggerClient(Uri endpoint, string sessionToken, HttpMessageHandler? handler = null)
    {
        Endpoint = endpoint;
        // Builds of the TeX and arm64 layers take long; cancellation, not a timeout, ends a request.
        http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        http.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{sessionToken}:")));
    }

    public Uri Endpoint { get; }

    /// <summary>The session that <c>dagger run</c> (or a module's runtime) opened for this process.</summary>
    /// <param name="variable">Reads an environment variable (a test gives its own environment).</param>
    public static DaggerClient FromEnvironment(Func<string, string?> variable)
    {
        var port = variable("DAGGER_SESSION_PORT");
        var token = variable("DAGGER_SESSION_TOKEN");
        if (string.IsNullOrEmpty(port) || string.IsNullOrEmpty(token))
            throw new InputError("no Dagger session: DAGGER_SESSION_PORT and DAGGER_SESSION_TOKEN must be set (run under 'dagger run ...')");
        if (!int.TryParse(port, out var number) || number is < 1 or > 65535)
            throw new InputError($"DAGGER_SESSION_PORT is not a port number: '{port}'");
        return new DaggerClient(new Uri($"http://127.0.0.1:{number}/query"), token);
    }

    public void Dispose() => http.Dispose();

    public async Task<string> VersionAsync(string step, CancellationToken cancellation)
    {
        var data = await QueryAsync(step, "query EngineVersion { version }", new Dictionary<string, object?>(), cancellation);
        return data.GetProperty("version").GetString()!;
    }

    internal async Task<DirectoryId> HostDirectoryAsync(string step, string path, CancellationToken cancellation)
    {
        const string query = """
            query HostDirectory($path: String!) {
              host { directory(path: $path) { id } }
            }
            """;
        var data = await QueryAsync(step, query, new Dictionary<string, object?> { ["path"] = path }, cancellation);
        return new DirectoryId(data.GetProperty("host").GetProperty("directory").GetProperty("id").GetString()!);
    }

    internal async Task<string> FileContentsAsync(string step, DirectoryId directory, string path, CancellationToken cancellation)
    {
        const string query = """
            query ReadFile($directory: ID!, $path: String!) {
              node(id: $directory) { ... on Directory { file(path: $path) { contents } } }
            }
            """;
        var variables = new Dictionary<string, object?> { ["directory"] = directory.Value, ["path"] = path };
        var data = await QueryAsync(step, query, variables, cancellation);
        return Walk(step, data, "node", "file", "contents").GetString()!;
    }

    /// <summary>Builds, labels and evaluates the image (<c>sync</c>), so that a build error surfaces here, naming the step.</summary>
    internal async Task<ContainerId> DockerBuildAsync(string step, DirectoryId context, DockerBuild build, CancellationToken cancellation)
    {
        var variables = new Dictionary<string, object?>
        {
            ["context"] = context.Value,
            ["dockerfile"] = build.Dockerfile,
            ["platform"] = build.Platform.ToString(),
            ["buildArgs"] = build.BuildArgs.Select(a => new BuildArg(a.Key, a.Value)).ToList(),
        };
        var declarations = new List<string> { "$context: ID!", "$dockerfile: String!", "$platform: Platform!", "$buildArgs: [BuildArg!]!" };
        var calls = new List<string> { "node(id: $context)", "... on Directory" };
        if (build.DockerfileContents is not null)
        {
            variables["dockerfileContents"] = build.DockerfileContents;
            declarations.Add("$dockerfileContents: String!");
            calls.Add("withNewFile(path: $dockerfile, contents: $dockerfileContents)");
        }
        calls.Add("dockerBuild(dockerfile: $dockerfile, platform: $platform, buildArgs: $buildArgs)");
        var index = 0;
        foreach (var (name, value) in build.Labels)
        {
            variables[$"labelName{index}"] = name;
            variables[$"labelValue{index}"] = value;
            declarations.AddRange([$"$labelName{index}: String!", $"$labelValue{index}: String!"]);
            calls.Add($"withLabel(name: $labelName{index}, value: $labelValue{index})");
            index++;
        }
        var (query, path) = Chain("DockerBuild", declarations, calls, "sync");
        var data = await QueryAsync(step, query, variables, cancellation);
        return new ContainerId(Walk(step, data, path).GetString()!);
    }

    /// <summary>Runs <paramref name="args"/> in a fresh container of the image, without its entry point, whatever the exit code.</summary>
    internal async Task<ExecResult> ExecAsync(
        string step, ContainerId container, IReadOnlyList<string> args, string? user, CancellationToken cancellation, SmokeMount? mount = null)
    {
        var variables = new Dictionary<string, object?> { ["container"] = container.Value, ["args"] = args };
        var declarations = new List<string> { "$container: ID!", "$args: [String!]!" };
        var calls = new List<string> { "node(id: $container)", "... on Container" };
        if (mount is not null)
        {
            // A writable mount belongs to the test's user (as podman's U option makes it on the local engine).
            variables["mountPath"] = mount.Path;
            variables["mountSource"] = (await NewDirectoryAsync(step, mount.Files, cancellation)).Value;
            variables["mountReadOnly"] = mount.ReadOnly;
            variables["mountOwner"] = mount.ReadOnly ? "" : user ?? "";
            declarations.AddRange(["$mountPath: String!", "$mountSource: ID!", "$mountReadOnly: Boolean!", "$mountOwner: String!"]);
            calls.Add("withMountedDirectory(path: $mountPath, source: $mountSource, readOnly: $mountReadOnly, owner: $mountOwner)");
        }
        if (user is not null)
        {
            variables["user"] = user;
            declarations.Add("$user: String!");
            calls.Add("withUser(name: $user)");
        }
        // useEntrypoint defaults to false; expect: ANY makes a non-zero exit a result, not an error.
        calls.Add("withExec(args: $args, expect: ANY)");
        var (query, path) = Chain("Exec", declarations, calls, "exitCode stdout stderr");
        var data = await QueryAsync(step, query, variables, cancellation);
        var result = Walk(step, data, path);
        return new ExecResult(
            result.GetProperty("exitCode").GetInt32(),
            result.GetProperty("stdout").GetString() ?? "",
            result.GetProperty("stderr").GetString() ?? "");
    }

    /// <summary>A new directory holding <paramref name="files"/> (name → contents), readable by anyone.</summary>
    internal async Task<DirectoryId> NewDirectoryAsync(string step, IReadOnlyDictionary<string, string> files, CancellationToken cancellation)
    {
        var variables = new Dictionary<string, object?>();
        var declarations = new List<string>();
        var calls = new List<string> { "directory" };
        foreach (var (name, contents) in files)
        {
            var i = declarations.Count / 2;
            variables[$"name{i}"] = name;
            variables[$"contents{i}"] = contents;
            declarations.AddRange([$"$name{i}: String!", $"$contents{i}: String!"]);
            calls.Add($"withNewFile(path: $name{i}, contents: $contents{i})");
        }
        var (query, path) = Chain("NewDirectory", declarations, calls, "id");
        var data = await QueryAsync(step, query, variables, cancellation);
        return new DirectoryId(Walk(step, data, path).GetString()!);
    }

    /// <summary>A secret the engine resolves itself, e.g. <c>env://NAME</c> from the client's environment; its value never passes through here.</summary>
    internal async Task<SecretId> SecretAsync(string step, string uri, CancellationToken cancellation)
    {
        const string query = """
            query Secret($uri: String!) {
              secret(uri: $uri) { id }
            }
            """;
        var data = await QueryAsync(step, query, new Dictionary<string, object?> { ["uri"] = uri }, cancellation);
        return new SecretId(data.GetProperty("secret").GetProperty("id").GetString()!);
    }

    /// <summary>Pushes the variants as one multi-platform index; returns the published reference with its digest.</summary>
    internal async Task<string> PublishAsync(
        string step, string address, IReadOnlyList<ContainerId> variants, string username, SecretId secret, CancellationToken cancellation)
    {
        const string query = """
            query Publish($address: String!, $username: String!, $secret: ID!, $variants: [ID!]!) {
              container {
                withRegistryAuth(address: $address, username: $username, secret: $secret) {
                  publish(address: $address, platformVariants: $variants)
                }
              }
            }
            """;
        var variables = new Dictionary<string, object?>
        {
            ["address"] = address,
            ["username"] = username,
            ["secret"] = secret.Value,
            ["variants"] = variants.Select(v => v.Value).ToList(),
        };
        var data = await QueryAsync(step, query, variables, cancellation);
        return Walk(step, data, "container", "withRegistryAuth", "publish").GetString()!;
    }

    /// <summary>
    /// Writes the container as an OCI image tarball (gzip layers, OCI media types) to <paramref name="path"/> on the
    /// client's side of the session (the host under <c>dagger run</c>, the module's container under <c>dagger call</c>).
    /// </summary>
    internal async Task ExportTarballAsync(string step, ContainerId container, string path, CancellationToken cancellation)
    {
        const string query = """
            query ExportTarball($container: ID!, $path: String!) {
              node(id: $container) {
                ... on Container {
                  asTarball(forcedCompression: Gzip, mediaTypes: OCIMediaTypes) {
                    export(path: $path)
                  }
                }
              }
            }
            """;
        var variables = new Dictionary<string, object?> { ["container"] = container.Value, ["path"] = path };
        var data = await QueryAsync(step, query, variables, cancellation);
        Walk(step, data, "node", "asTarball", "export");
    }

    /// <summary>Sends one request; GraphQL errors and transport failures become one <see cref="PipelineFailure"/> naming the step.</summary>
    internal async Task<JsonElement> QueryAsync(string step, string query, IReadOnlyDictionary<string, object?> variables, CancellationToken cancellation)
    {
        using var content = new StringContent(JsonSerializer.Serialize(new { query, variables }, Json), Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(Endpoint, content, cancellation);
        }
        catch (HttpRequestException e)
        {
            throw new PipelineFailure($"dagger: {step}: cannot reach the Dagger session at {Endpoint} ({e.Message}); is this running under 'dagger run'?", e);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellation);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
                throw new PipelineFailure($"dagger: {step}: the Dagger session at {Endpoint} refused the session token (HTTP 401)");
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                throw new PipelineFailure($"dagger: {step}: the Dagger session answered HTTP {(int)response.StatusCode} without a GraphQL response: {Shorten(body)}");
            }
            using (document)
            {
                var root = document.RootElement;
                if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
                    throw new PipelineFailure($"dagger: {step}: {string.Join("; ", errors.EnumerateArray().Select(Describe))}");
                if (!response.IsSuccessStatusCode || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
                    throw new PipelineFailure($"dagger: {step}: the Dagger session answered HTTP {(int)response.StatusCode} without data: {Shorten(body)}");
                return data.Clone();
            }
        }
    }

    private sealed record BuildArg(string Name, string Value);

    /// <summary>Nests the calls into one selection, e.g. <c>a(x: $x) { ... on T { b { leaf } } }</c>, and returns the response path to the leaf.</summary>
    private static (string Query, string[] Path) Chain(string operation, IReadOnlyList<string> declarations, IReadOnlyList<string> calls, string leaf)
    {
        var text = new StringBuilder($"query {operation}({string.Join(", ", declarations)}) {{\n");
        for (var i = 0; i < calls.Count; i++)
            text.Append(' ', 2 * (i + 1)).Append(calls[i]).Append(" {\n");
        text.Append(' ', 2 * (calls.Count + 1)).Append(leaf).Append('\n');
        for (var i = calls.Count - 1; i >= 0; i--)
            text.Append(' ', 2 * (i + 1)).Append("}\n");
        text.Append("}\n");
        var path = calls.Where(c => !c.StartsWith("...", StringComparison.Ordinal)).Select(c => c.Split('(')[0]).ToList();
        if (!leaf.Contains(' ', StringComparison.Ordinal)) path.Add(leaf);
        return (text.ToString(), path.ToArray());
    }

    private static JsonElement Walk(string step, JsonElement data, params string[] path)
    {
        var current = data;
        foreach (var name in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
                throw new PipelineFailure($"dagger: {step}: the response has no '{string.Join(".", path)}'");
        }
        return current;
    }

    /// <summary>The message, and for a failed command Dagger's stderr tail, which says why.</summary>
    private static string Describe(JsonElement error)
    {
        var message = error.TryGetProperty("message", out var m) ? m.GetString() ?? "" : error.ToString();
        if (error.TryGetProperty("extensions", out var extensions) && extensions.ValueKind == JsonValueKind.Object
            && extensions.TryGetProperty("stderr", out var stderr) && stderr.GetString() is { Length: > 0 } text)
        {
            var tail = text.TrimEnd().Split('\n').TakeLast(10).Select(l => "    " + l.TrimEnd());
            message += "\n" + string.Join("\n", tail);
        }
        return message;
    }

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "..." : text;
}
