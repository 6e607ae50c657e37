using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using ImageTooling.Catalog;
using ImageTooling.Registry;

namespace ImageTooling.Local;

/// <summary>
/// The local engine: podman (buildah inside) builds each node for its platform, runs smoke tests in
/// real containers (foreign architectures through qemu-user binfmt) and pushes OCI indexes.
/// A derived image is built FROM the base image this run built for the same platform, held in
/// local storage under a run-local name, so nothing is pulled from a registry for it.
/// With a registry cache, a node whose inputs (<see cref="InputsDigest"/>) were built before, on any machine, is pulled
/// from the cache repository instead of built, and a node built here is pushed there, so a runner with an empty storage
/// rebuilds nothing that did not change. The cache holds each node's image before labels, tagged by its inputs digest.
/// Not buildah's per-step cache (<c>--cache-from</c>/<c>--cache-to</c>): buildah 1.28 (Debian 12) finds no remote cache
/// for an <c>ARG</c> step (containers/buildah#4315, fixed after 1.28 by #4326), and every stage of these Dockerfiles
/// declares its arguments before its first RUN, so every step after it would be built again. The cache's credentials
/// are podman's own (<c>podman login</c>, <c>REGISTRY_AUTH_FILE</c>); an http registry is one registries.conf marks insecure.
/// </summary>
/// <param name="registryCache">The cache repository (HOST/PATH), or null for the local storage's cache alone.</param>
public sealed class PodmanEngine(string imagesDirectory, string logDirectory, string? registryCache = null) : IImageEngine, Security.IRegistryImages
{
    public string Name => "podman (local engine)";

    /// <summary>Only images of the machine's own architecture are built and run (CI's platform legs, security-status on a
    /// runner of that platform): qemu-user binfmt for the other one is not asked for.</summary>
    public bool NativeOnly { get; init; }

    /// <summary>Whether every one of <paramref name="platforms"/> is this machine's own architecture.</summary>
    public static bool IsNativeOnly(IEnumerable<Platform> platforms) => platforms.All(p => p.Architecture == NativeArchitecture);

    /// <summary>The machine's architecture as platforms name it: amd64, arm64.</summary>
    public static string NativeArchitecture => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        var other => other.ToString().ToLowerInvariant(),
    };

    internal static string LocalName(BuildNode node) =>
        $"localhost/imagetool/{node.Image.Name}:{node.Platform.Architecture}";

    /// <summary>
    /// The same image before labels. Derived images build on this one: labels change with every
    /// commit (revision, created), and must not invalidate the derived images' cached layers.
    /// </summary>
    private static string UnlabeledName(BuildNode node) => $"{LocalName(node)}-unlabeled";

    /// <summary>The checkout's ci/install-local-engine.sh, run (idempotent, silent when all is in place) before the checks below,
    /// so that a fresh machine is set up by the first build; null when imagetool runs outside a checkout.</summary>
    public string? SetupScript { get; init; }

    /// <summary>Where the setup script's lines are shown as they come (it may install packages for minutes).</summary>
    public TextWriter? SetupOutput { get; init; }

    public async Task CheckReadyAsync(CancellationToken cancellation)
    {
        if (SetupScript is not null) await SetUpAsync(SetupScript, cancellation);
        // Nothing is built yet: a missing program is a matter of how the tool was set up (exit code 2).
        foreach (var tool in new[] { "podman", "skopeo" })
            if (await TryRunAsync(tool, ["--version"], cancellation) is null)
                throw new InputError($"the local engine needs {tool}: run ci/install-local-engine.sh (podman, buildah, "
                    + "skopeo, qemu-user-static), or run inside a Dagger session");
        var foreign = NativeArchitecture == "amd64" ? "qemu-aarch64" : "qemu-x86_64";
        if (!NativeOnly && !File.Exists($"/proc/sys/fs/binfmt_misc/{foreign}"))
            throw new InputError($"building for the other architecture needs qemu-user binfmt ({foreign} is not "
                + $"registered): apt-get install qemu-user-static binfmt-support && update-binfmts --enable {foreign}");
        Directory.CreateDirectory(logDirectory);
    }

    private async Task SetUpAsync(string script, CancellationToken cancellation)
    {
        Directory.CreateDirectory(logDirectory);
        var log = Path.Combine(logDirectory, "install-local-engine.log");
        File.WriteAllText(log, "");
        string[] arguments = NativeOnly ? [script, "--quiet", "--native-only"] : [script, "--quiet"];
        var result = await ChildProcess.RunAsync("bash", arguments, cancellation, log, echo: SetupOutput);
        if (result.ExitCode != 0)
            throw new InputError($"the local engine is not set up: {script} failed (exit {result.ExitCode}); last lines of {log}:\n"
                + ChildProcess.Tail(result.Output, 5));
    }

    /// <summary>podman receives the credentials through a private auth file at push time; any source will do.</summary>
    public Task CheckCredentialsAsync(RegistryCredentials credentials, CancellationToken cancellation) =>
        Task.CompletedTask;

    public async Task<BuiltImage> BuildAsync(BuildNode node, BuiltImage? baseImage, CancellationToken cancellation)
    {
        var log = LogFile(node);
        File.WriteAllText(log, "");
        var cached = CacheTag(node);
        var unlabeledId = cached is null ? null : await PullCachedAsync(cached, log, cancellation);
        var fromCache = unlabeledId is not null;
        if (unlabeledId is null)
        {
            unlabeledId = await BuildUnlabeledAsync(node, baseImage, log, cancellation);
            if (cached is not null) await PushCachedAsync(unlabeledId, cached, log, cancellation);
        }
        unlabeled[node] = unlabeledId;
        return await LabelAsync(node, unlabeledId, log, cancellation) with { FromCache = fromCache };
    }

    /// <summary>
    /// The image IDs this run built, by node, before labelling: a derived node builds on its base's. The names
    /// (<c>localhost/imagetool/IMAGE:ARCH</c>) are for people; another run on the same machine may move them at any time.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<BuildNode, string> unlabeled = new();

    /// <summary>podman build of the node's Dockerfile; returns the image ID before labels.</summary>
    private async Task<string> BuildUnlabeledAsync(BuildNode node, BuiltImage? baseImage, string log, CancellationToken cancellation)
    {
        var idFile = IdFile();
        var args = new List<string>
        {
            "build", "--layers", "--network", "host", "--platform", node.Platform.ToString(),
            "--file", Path.Combine(imagesDirectory, node.Image.Dockerfile), "--tag", UnlabeledName(node), "--iidfile", idFile,
        };
        var buildArgs = new Dictionary<string, string>(node.BuildArgs);
        if (baseImage is not null) buildArgs[BuildArguments.BaseImage] = unlabeled[baseImage.Node];
        await PinPlatformsAsync(buildArgs, node.Platform, cancellation);
        foreach (var (key, value) in buildArgs)
            args.AddRange(["--build-arg", $"{key}={value}"]);
        args.Add(imagesDirectory);

        File.AppendAllText(log, $"podman {string.Join(' ', args)}\n");
        return await BuiltIdAsync(args, idFile, log, stdin: null, result => $"podman build failed (exit {result.ExitCode}); last lines of "
            + $"{log}:\n{ChildProcess.Tail(result.Output, 15)}", cancellation);
    }

    /// <summary>Runs a <c>podman build</c> that writes the image ID to <paramref name="idFile"/>; returns that ID (bare hex).</summary>
    private static async Task<string> BuiltIdAsync(
        List<string> args, string idFile, string log, string? stdin, Func<CommandResult, string> failure, CancellationToken cancellation)
    {
        try
        {
            var result = await ChildProcess.RunAsync("podman", args, cancellation, log, stdin: stdin);
            if (result.ExitCode != 0) throw new PipelineFailure(failure(result));
            return IdIn(idFile);
        }
        finally
        {
            File.Delete(idFile);
        }
    }

    /// <summary>A fresh path for podman's <c>--iidfile</c>.</summary>
    private static string IdFile() => Path.Combine(Path.GetTempPath(), $"imagetool-iid-{Guid.NewGuid():N}");

    /// <summary>Labels go on top in a build step of their own (no layer, cached while they stay the same).</summary>
    /// <remarks>The step runs nothing, so its network is the builds' (host): with chroot isolation (BUILDAH_ISOLATION=chroot, how
    /// CI's job container builds) buildah refuses any other network setting.</remarks>
    private async Task<BuiltImage> LabelAsync(BuildNode node, string unlabeledId, string log, CancellationToken cancellation)
    {
        var name = LocalName(node);
        var idFile = IdFile();
        var label = new List<string>
        {
            "build", "--layers", "--network", "host", "--platform", node.Platform.ToString(),
            "--file", "-", "--tag", name, "--iidfile", idFile,
        };
        foreach (var (key, value) in node.Labels)
            label.AddRange(["--label", $"{key}={value}"]);
        // The commit's time as the step's own, not the clock's: two runners that pulled the same image from the registry
        // cache label it alike (two empty storages staged the same digest by hand; a storage that built the image
        // itself still ends with another label config, the layers being the same).
        if (node.Labels.TryGetValue(BuildPlan.CreatedLabel, out var created)
            && DateTimeOffset.TryParse(created, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
            label.AddRange(["--timestamp", at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        label.Add(EmptyContext());
        var id = await BuiltIdAsync(label, idFile, log, stdin: $"FROM {unlabeledId}\n",
            result => $"labelling {name} failed: {ChildProcess.Tail(result.Output, 5)}", cancellation);
        return new BuiltImage(node, id) { ConfigDigest = $"sha256:{id}" };
    }

    /// <summary>Where the registry cache keeps the node's unlabelled image: a tag named by the image, its architecture and its inputs.</summary>
    internal string? CacheTag(BuildNode node) =>
        registryCache is null || node.Labels.GetValueOrDefault(InputsDigest.Label) is not { } inputs
            ? null
            : $"{registryCache}:{node.Image.Name}-{node.Platform.Architecture}-{inputs.Replace("sha256:", "", StringComparison.Ordinal)}";

    /// <summary>
    /// The cached image of these inputs copied into local storage, as its image ID; null when the cache has none. A cache
    /// that cannot be read is no reason to fail a build: the node is built, and the log says why.
    /// </summary>
    private static async Task<string?> PullCachedAsync(string tag, string log, CancellationToken cancellation)
    {
        var inspect = await ChildProcess.RunAsync("skopeo", ["inspect", "--raw", $"docker://{tag}"], cancellation, timeout: TimeSpan.FromMinutes(2));
        if (inspect.ExitCode != 0)
        {
            File.AppendAllText(log, $"registry cache: no image for these inputs at {tag} ({LastError(inspect.Output)}); building\n");
            return null;
        }
        string? config;
        try
        {
            using var manifest = JsonDocument.Parse(inspect.Output);
            config = manifest.RootElement.TryGetProperty("config", out var c) && c.TryGetProperty("digest", out var d) ? d.GetString() : null;
        }
        catch (JsonException)
        {
            config = null;
        }
        if (config is null)
        {
            File.AppendAllText(log, $"registry cache: {tag} is not an image manifest; building\n");
            return null;
        }
        var copy = await ChildProcess.RunAsync("skopeo", ["copy", "--quiet", $"docker://{tag}", $"containers-storage:{UnlabeledStorageName(tag)}"],
            cancellation, log, timeout: TimeSpan.FromMinutes(30));
        if (copy.ExitCode != 0)
        {
            File.AppendAllText(log, $"registry cache: pulling {tag} failed ({LastError(copy.Output)}); building\n");
            return null;
        }
        // In local storage an image's ID is its config digest.
        File.AppendAllText(log, $"registry cache: pulled {tag} (image {config}); nothing to build\n");
        return config.Replace("sha256:", "", StringComparison.Ordinal);
    }

    /// <summary>The node's image before labels into the cache; a push that fails leaves the build as it is and says so in the log.</summary>
    private static async Task PushCachedAsync(string imageId, string tag, string log, CancellationToken cancellation)
    {
        var push = await ChildProcess.RunAsync("podman", ["push", "--quiet", "--format", "oci", "--compression-format", "gzip", imageId, $"docker://{tag}"],
            cancellation, log, timeout: TimeSpan.FromMinutes(30));
        File.AppendAllText(log, push.ExitCode == 0
            ? $"registry cache: pushed image {imageId} as {tag}\n"
            : $"registry cache: pushing {tag} failed ({LastError(push.Output)}); the next run builds this node again\n");
    }

    /// <summary>The local name a pulled cache image is stored under (a name for people; the run uses its ID).</summary>
    private static string UnlabeledStorageName(string cached) => $"localhost/imagetool-cache/{ImageReference.Parse(cached).Tag}";

    /// <summary>The image ID podman wrote with <c>--iidfile</c> (<c>sha256:HEX</c>), as the bare hex podman takes for an image.</summary>
    private static string IdIn(string file) => File.ReadAllText(file).Trim().Replace("sha256:", "", StringComparison.Ordinal);

    private string EmptyContext()
    {
        var path = Path.Combine(logDirectory, ".empty-context");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>
    /// buildah 1.28 (Debian 12) leaves <c>$BUILDPLATFORM</c> unexpanded in <c>FROM --platform</c> and
    /// resolves one image name to one platform per build, so a native stage and a target stage on the
    /// same multi-arch base collide. Each gets its own single-platform digest instead:
    /// <c>NAME_IMAGE</c> for the target, <c>BUILD_NAME_IMAGE</c> for stages on the build platform.
    /// </summary>
    private async Task PinPlatformsAsync(
        Dictionary<string, string> args, Platform target, CancellationToken cancellation)
    {
        var native = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? Platform.LinuxArm64 : Platform.LinuxAmd64;
        args["BUILDPLATFORM"] = native.ToString();
        var pinnedBases = args.Keys
            .Where(k => k.EndsWith("_IMAGE", StringComparison.Ordinal) && k != BuildArguments.BaseImage)
            .ToList();
        foreach (var key in pinnedBases)
        {
            var reference = args[key];
            var manifests = await PlatformManifestsAsync(reference, cancellation);
            if (manifests is null) continue;
            var repository = ImageReference.Parse(reference).Repository;
            args[key] = $"{repository}@{PlatformDigest(reference, manifests, target)}";
            args[$"BUILD_{key}"] = $"{repository}@{PlatformDigest(reference, manifests, native)}";
        }
    }

    private readonly Dictionary<string, IReadOnlyDictionary<Platform, string>?> indexes = [];

    /// <summary>
    /// The digest of a base image's variant for one platform, or an error naming what the base offers.
    /// </summary>
    internal static string PlatformDigest(
        string reference, IReadOnlyDictionary<Platform, string> manifests, Platform platform)
    {
        if (manifests.TryGetValue(platform, out var digest)) return digest;
        var offered = manifests.Keys.Select(p => p.ToString()).Order(StringComparer.Ordinal).DefaultIfEmpty("none");
        throw new PipelineFailure(
            $"the base image {reference} has no {platform} variant (it has: {string.Join(", ", offered)})");
    }

    private async Task<IReadOnlyDictionary<Platform, string>?> PlatformManifestsAsync(
        string reference, CancellationToken cancellation)
    {
        lock (indexes)
            if (indexes.TryGetValue(reference, out var known)) return known;
        // skopeo reads through the same registries.conf (mirrors) as podman; it takes no "tag@digest" form.
        var source = $"docker://{ImageReference.Parse(reference).Pinned}";
        var result = await ChildProcess.RunAsync("skopeo", ["inspect", "--raw", source], cancellation);
        if (result.ExitCode != 0)
            throw new PipelineFailure($"cannot read the base image {reference}: {ChildProcess.Tail(result.Output, 2)}");
        var manifests = IndexPlatforms(result.Output);
        lock (indexes) indexes[reference] = manifests;
        return manifests;
    }

    /// <summary>
    /// Each platform's manifest digest in an index (the first entry of a platform wins), or null for a single image
    /// manifest. Docker Hub's indexes hold several variants of one architecture (arm/v5, arm/v7) and attestations
    /// (unknown/unknown), so the platform is the key, variant included.
    /// </summary>
    internal static IReadOnlyDictionary<Platform, string>? IndexPlatforms(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("manifests", out var list)) return null;
        var manifests = new Dictionary<Platform, string>();
        foreach (var entry in list.EnumerateArray())
        {
            if (!entry.TryGetProperty("platform", out var p)) continue;
            var variant = p.TryGetProperty("variant", out var v) ? v.GetString() : null;
            manifests.TryAdd(Platform.Of(p.GetProperty("os").GetString()!, p.GetProperty("architecture").GetString()!, variant), entry.GetProperty("digest").GetString()!);
        }
        return manifests;
    }

    public async Task<CommandResult> RunAsync(BuiltImage image, SmokeTest test, CancellationToken cancellation)
    {
        // No network, but for a test that needs it (the security check asks Debian's archive): the host's, as builds have.
        var args = new List<string>
        {
            "run", "--rm", "--pull", "never", "--network", test.Network ? "host" : "none",
            "--platform", image.Node.Platform.ToString(), "--entrypoint", "/bin/sh",
        };
        if (test.User is not null) args.AddRange(["--user", test.User]);
        var mount = test.Mount is null ? null : Directory.CreateTempSubdirectory("imagetool-mount-");
        try
        {
            if (test.Mount is { } spec)
            {
                foreach (var (name, contents) in spec.Files)
                    File.WriteAllText(Path.Combine(mount!.FullName, name), contents);
                // Readable by any UID, as a user's own kube config directory is to a container of theirs;
                // a writable mount is handed to the container's user (podman's U option, like Dagger's owner).
                if (!OperatingSystem.IsWindows())
                    mount!.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
                args.AddRange(["--volume", $"{mount!.FullName}:{spec.Path}:{(spec.ReadOnly ? "ro" : "U")}"]);
            }
            args.AddRange([image.Handle, "-c", test.Run]);
            var limit = TimeSpan.FromMinutes(10);
            return await ChildProcess.RunAsync("podman", args, cancellation, LogFile(image.Node), timeout: limit);
        }
        finally
        {
            mount?.Delete(recursive: true);
        }
    }

    public async Task<string> PublishAsync(
        ImageReference reference,
        IReadOnlyList<BuiltImage> variants,
        RegistryCredentials credentials,
        CancellationToken cancellation)
    {
        var list = $"localhost/imagetool-publish/{variants[0].Node.Image.Name}:index";
        await TryRunAsync("podman", ["manifest", "rm", list], cancellation);
        await RunCheckedAsync(["manifest", "create", list], cancellation);
        foreach (var variant in variants)
            await RunCheckedAsync(["manifest", "add", list, $"containers-storage:{variant.Handle}"], cancellation);

        return await WithRegistryAccessAsync(reference, credentials, async (access, temp) =>
        {
            var digestFile = Path.Combine(temp, "digest");
            var result = await ChildProcess.RunAsync("podman",
                ["manifest", "push", "--all", "--format", "oci", .. access, "--digestfile", digestFile, list, $"docker://{reference}"],
                cancellation, timeout: TimeSpan.FromMinutes(30));
            if (result.ExitCode != 0)
                throw new PipelineFailure($"pushing {reference} failed: {LastError(result.Output)}");
            return File.ReadAllText(digestFile).Trim();
        });
    }

    /// <summary>Pulls one platform's image of a registry (no other platform's layers); its handle is the local image ID.</summary>
    public async Task<BuiltImage> PullAsync(BuildNode node, ImageReference reference, RegistryCredentials? credentials, CancellationToken cancellation)
    {
        var id = await WithRegistryAccessAsync(reference, credentials, async (access, _) =>
        {
            var result = await ChildProcess.RunAsync("podman",
                ["pull", "--quiet", "--platform", node.Platform.ToString(), .. access, $"docker://{reference}"], cancellation, timeout: TimeSpan.FromMinutes(30));
            return result.ExitCode == 0 ? result.Output.Trim().Split('\n')[^1].Trim()
                : throw new PipelineFailure($"pulling {reference} ({node.Platform}) failed: {LastError(result.Output)}");
        });
        return new BuiltImage(node, id);
    }

    /// <summary>
    /// podman's options for reaching the registry of <paramref name="reference"/>: a private auth file holding the
    /// credentials (never an argument), and no TLS for a registry spoken to over plain HTTP; then <paramref name="use"/>
    /// with them and a private temporary folder, removed afterwards.
    /// </summary>
    private static async Task<T> WithRegistryAccessAsync<T>(ImageReference reference, RegistryCredentials? credentials, Func<List<string>, string, Task<T>> use)
    {
        var (api, _) = RegistryClient.Locate(reference);
        var temp = Directory.CreateTempSubdirectory("imagetool-registry-");
        try
        {
            var access = new List<string>();
            if (credentials is not null)
            {
                var authFile = Path.Combine(temp.FullName, "auth.json");
                File.WriteAllText(authFile, "");
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(authFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password.Reveal()}"));
                var auths = new Dictionary<string, object> { [reference.Host] = new { auth } };
                File.WriteAllText(authFile, JsonSerializer.Serialize(new { auths }));
                access.AddRange(["--authfile", authFile]);
            }
            if (api.Scheme == "http") access.Add("--tls-verify=false");
            return await use(access, temp.FullName);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    public async Task ExportLayoutAsync(BuiltImage variant, string layout, CancellationToken cancellation)
    {
        var export = await ChildProcess.RunAsync("podman",
            ["push", "--format", "oci", "--compression-format", "gzip", variant.Handle, $"oci:{layout}:staged"], cancellation, timeout: TimeSpan.FromMinutes(30));
        if (export.ExitCode != 0)
            throw new PipelineFailure($"writing {variant.Node.Id} as an OCI layout failed: {LastError(export.Output)}");
    }

    private string LogFile(BuildNode node) =>
        Path.Combine(logDirectory, $"{node.Image.Name}-{node.Platform.Architecture}.log");

    /// <summary>podman's own one-line reason ("Error: ..."), or its last line.</summary>
    private static string LastError(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.LastOrDefault(l => l.StartsWith("Error:", StringComparison.Ordinal))
            ?? lines.LastOrDefault()
            ?? "no output";
    }

    private static Task<string> RunCheckedAsync(IReadOnlyList<string> args, CancellationToken cancellation) =>
        ChildProcess.RunCheckedAsync("podman", args, cancellation);

    /// <summary>The program's output, or null when it is missing or fails.</summary>
    private static async Task<string?> TryRunAsync(
        string program, IEnumerable<string> args, CancellationToken cancellation)
    {
        var result = await ChildProcess.RunAsync(program, args, cancellation);
        return result.ExitCode == 0 ? result.Output : null;
    }
}
