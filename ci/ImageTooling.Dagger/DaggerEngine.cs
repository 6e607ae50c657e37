using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using ImageTooling.Catalog;

namespace ImageTooling.Dagger;

/// <summary>
/// The Dagger engine: every node is a <c>dockerBuild</c> of the images directory for the node's
/// platform, smoke tests are <c>withExec</c> in the built container, and a publish is one
/// <c>publish</c> with the platform variants, authenticated with a secret the engine resolves itself.
/// A handle is the built container's ID.
/// </summary>
public sealed partial class DaggerEngine : IImageEngine
{
    /// <summary>Where a derived image's composed Dockerfile is written, inside its own folder of the context.</summary>
    public const string ComposedDockerfile = "Dockerfile.dagger";

    private readonly DaggerClient client;
    private readonly string? imagesDirectory;
    private readonly ConcurrentDictionary<string, SecretId> secrets = new();
    private readonly Lock sync = new();
    private Task<DirectoryId>? images;

    /// <summary>Builds from a directory of the machine the Dagger client runs on (<c>dagger run</c>).</summary>
    public DaggerEngine(DaggerClient client, string imagesDirectory)
    {
        this.client = client;
        this.imagesDirectory = Path.GetFullPath(imagesDirectory);
    }

    /// <summary>Builds from a directory already in the session, e.g. a module function's argument.</summary>
    internal DaggerEngine(DaggerClient client, DirectoryId images)
    {
        this.client = client;
        this.images = Task.FromResult(images);
    }

    public string Name => $"dagger (session at {client.Endpoint.Authority})";

    public async Task CheckReadyAsync(CancellationToken cancellation)
    {
        if (imagesDirectory is not null && !Directory.Exists(imagesDirectory))
            throw new InputError($"the images directory {imagesDirectory} does not exist");
        try
        {
            await client.VersionAsync("checking the Dagger session", cancellation);
        }
        catch (PipelineFailure e)
        {
            // No usable session is a matter of how the tool was started, like a missing podman.
            throw new InputError(e.Message);
        }
    }

    public async Task<BuiltImage> BuildAsync(BuildNode node, BuiltImage? baseImage, CancellationToken cancellation)
    {
        var step = $"building {node.Id}";
        var context = await ImagesAsync(cancellation);
        DockerBuild build;
        if (node.Base is null)
        {
            build = new DockerBuild(node.Image.Dockerfile, node.Platform, node.BuildArgs, node.Labels);
        }
        else
        {
            // The base handle is not needed: the composed Dockerfile rebuilds the very same base
            // stages for this platform, which BuildKit answers from the base's own build.
            var composed = await ComposeAsync(node, context, step, cancellation);
            build = new DockerBuild(composed.Path, node.Platform, composed.BuildArgs, node.Labels) { DockerfileContents = composed.Text };
        }
        var id = await client.DockerBuildAsync(step, context, build, cancellation);
        return new BuiltImage(node, id.Value);
    }

    /// <summary>The node's Dockerfile on top of its base's (and theirs, for a longer chain), as one Dockerfile.</summary>
    private async Task<DockerfileSource> ComposeAsync(BuildNode node, DirectoryId context, string step, CancellationToken cancellation)
    {
        var chain = new List<BuildNode>();
        for (var current = node; current is not null; current = current.Base) chain.Insert(0, current);
        async Task<string> Read(BuildNode n) => await client.FileContentsAsync(step, context, n.Image.Dockerfile, cancellation);

        var composed = new DockerfileSource(chain[0].Image.Dockerfile, await Read(chain[0]), chain[0].BuildArgs);
        for (var i = 1; i < chain.Count; i++)
        {
            var derived = new DockerfileSource(chain[i].Image.Dockerfile, await Read(chain[i]), chain[i].BuildArgs);
            composed = DockerfileComposer.Compose(composed, derived, chain[i - 1].Image.Name, $"{chain[i].Image.Folder}/{ComposedDockerfile}");
        }
        return composed;
    }

    public async Task<CommandResult> RunAsync(BuiltImage image, SmokeTest test, CancellationToken cancellation)
    {
        var result = await client.ExecAsync(
            $"smoke test '{test.Name}' on {image.Node.Id}", new ContainerId(image.Handle), ["/bin/sh", "-c", test.Run], test.User, cancellation, test.Mount);
        var separator = result.Stdout.Length == 0 || result.Stdout.EndsWith('\n') ? "" : "\n";
        return new CommandResult(result.ExitCode, result.Stdout + separator + result.Stderr);
    }

    public async Task<string> PublishAsync(ImageReference reference, IReadOnlyList<BuiltImage> variants, RegistryCredentials credentials, CancellationToken cancellation)
    {
        var step = $"publishing {reference}";
        var secret = await SecretAsync(credentials.Password, step, cancellation);
        var published = await client.PublishAsync(
            step, reference.ToString(), variants.Select(v => new ContainerId(v.Handle)).ToList(), credentials.Username, secret, cancellation);
        var digest = ImageReference.Parse(published).Digest ?? "";
        if (!Digest().IsMatch(digest))
            throw new PipelineFailure($"dagger: {step}: the published reference '{published}' carries no sha256 digest");
        return digest;
    }

    /// <summary>An OCI tarball written to the client's side of the session (<c>asTarball</c>, <c>export</c>), unpacked.</summary>
    public async Task ExportLayoutAsync(BuiltImage variant, string layout, CancellationToken cancellation)
    {
        var tarball = Path.Combine(Path.GetTempPath(), $"imagetool-{Guid.NewGuid():N}.tar");
        try
        {
            await client.ExportTarballAsync($"exporting {variant.Node.Id}", new ContainerId(variant.Handle), tarball, cancellation);
            await System.Formats.Tar.TarFile.ExtractToDirectoryAsync(tarball, layout, overwriteFiles: false, cancellation);
        }
        finally
        {
            File.Delete(tarball);
        }
    }

    /// <summary>Refuses, before anything is built, a token that Dagger could not resolve itself.</summary>
    public Task CheckCredentialsAsync(RegistryCredentials credentials, CancellationToken cancellation)
    {
        if (!EnvSecret().IsMatch(credentials.Password.Source ?? ""))
            throw new InputError("the Dagger engine takes the registry token only from an environment variable (--password-env NAME), so that its value is never sent in a query");
        return Task.CompletedTask;
    }

    /// <summary>The token as a secret the engine resolves itself (<c>env://NAME</c>): its value never appears in a query.</summary>
    private async Task<SecretId> SecretAsync(Secret password, string step, CancellationToken cancellation)
    {
        await CheckCredentialsAsync(new RegistryCredentials("", password), cancellation);
        var source = password.Source!;
        if (secrets.TryGetValue(source, out var known)) return known;
        return secrets[source] = await client.SecretAsync(step, source, cancellation);
    }

    /// <summary>
    /// The images directory, loaded once for every caller: the load is not tied to the first caller's token (its
    /// cancellation would fail every later caller); each caller stops waiting on its own token.
    /// </summary>
    private Task<DirectoryId> ImagesAsync(CancellationToken cancellation)
    {
        lock (sync)
            images ??= client.HostDirectoryAsync($"loading {imagesDirectory} from the host", imagesDirectory!, CancellationToken.None);
        return images.WaitAsync(cancellation);
    }

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex Digest();

    [GeneratedRegex("^env://[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvSecret();
}
