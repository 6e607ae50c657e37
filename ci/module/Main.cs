// The Dagger module shell behind `dagger call list|build|test|publish-multi-arch`.
//
// NOT part of ImageTooling.sln and NOT compiled by this repository's build or tests: it needs the
// experimental community C# SDK (github.com/pjmagee/dagger, sdk/csharp, branch csharp/experimental),
// which Dagger generates into sdk/ when it loads the module; that SDK is not on the NuGet feed.
// So it does nothing but map arguments onto the core and the DaggerEngine that `imagetool` runs
// under `dagger run` — everything behind it is the tested code.
using ImageTooling;
using ImageTooling.Catalog;
using ImageTooling.Registry;
using Engine = ImageTooling.Dagger;

namespace ImageToolingModule;

/// <summary>Builds, smoke-tests and publishes the multi-arch tooling images described in images/catalog.yaml.</summary>
[Dagger.Object]
public class ImageTooling
{
    /// <summary>List the images, their tools and pinned versions.</summary>
    [Dagger.Function]
    public async Task<string> List(
        [Dagger.DefaultPath("/")][Dagger.Ignore("**/bin", "**/obj", "**/node_modules", ".git", "artifacts")] Directory source,
        bool markdown = false)
    {
        return Reports.Listing(CatalogLoader.Load(await LocalImagesAsync(source)), markdown);
    }

    /// <summary>Build every planned image for every platform.</summary>
    [Dagger.Function]
    public async Task<string> Build(
        [Dagger.DefaultPath("/")][Dagger.Ignore("**/bin", "**/obj", "**/node_modules", ".git", "artifacts")] Directory source,
        string? tag = null,
        string? branchTag = null,
        string[]? image = null,
        string[]? platform = null,
        string? revision = null,
        long? sourceDateEpoch = null)
    {
        var built = await BuildAsync(source, tag, branchTag, image, platform, revision, sourceDateEpoch, smokeTest: false);
        return $"Built {built} images.";
    }

    /// <summary>Build every planned image and run its smoke tests in containers of each platform.</summary>
    [Dagger.Function]
    public async Task<string> Test(
        [Dagger.DefaultPath("/")][Dagger.Ignore("**/bin", "**/obj", "**/node_modules", ".git", "artifacts")] Directory source,
        string? tag = null,
        string? branchTag = null,
        string[]? image = null,
        string[]? platform = null,
        string? revision = null,
        long? sourceDateEpoch = null)
    {
        var built = await BuildAsync(source, tag, branchTag, image, platform, revision, sourceDateEpoch, smokeTest: true);
        return $"All smoke tests passed on {built} images.";
    }

    /// <summary>Build, smoke-test, then publish one multi-arch index per image: version tag first, floating tags last.</summary>
    [Dagger.Function]
    public async Task<string> PublishMultiArch(
        [Dagger.DefaultPath("/")][Dagger.Ignore("**/bin", "**/obj", "**/node_modules", ".git", "artifacts")] Directory source,
        string username,
        Dagger.Secret token,
        string? tag = null,
        string? branchTag = null,
        string[]? image = null,
        string[]? platform = null,
        string? registry = null,
        bool noFloatingTags = false,
        bool force = false,
        string? revision = null,
        long? sourceDateEpoch = null)
    {
        var (plan, pipeline) = await PrepareAsync(source, tag, branchTag, image, platform, registry, noFloatingTags, revision, sourceDateEpoch);
        // The engine hands Dagger the secret's ID; the value is read here, inside the module, only for
        // the registry API calls the core makes before pushing (credentials check, existing tags).
        var secretId = await token.Id();
        var password = new Secret(await token.Plaintext(), $"{Engine.DaggerEngine.DaggerSecretPrefix}{secretId.Value}");
        using var registryClient = new RegistryClient();
        var published = await pipeline.PublishAsync(plan, registryClient, new RegistryCredentials(username, password), force, CancellationToken.None);
        return Reports.Published(published);
    }

    private static async Task<int> BuildAsync(
        Directory source, string? tag, string? branchTag, string[]? image, string[]? platform,
        string? revision, long? sourceDateEpoch, bool smokeTest)
    {
        var (plan, pipeline) = await PrepareAsync(source, tag, branchTag, image, platform, null, false, revision, sourceDateEpoch);
        var built = await pipeline.BuildAsync(plan, smokeTest, CancellationToken.None);
        return built.Count;
    }

    private static async Task<(BuildPlan Plan, Pipeline Pipeline)> PrepareAsync(
        Directory source, string? tag, string? branchTag, string[]? image, string[]? platform,
        string? registry, bool noFloatingTags, string? revision, long? sourceDateEpoch)
    {
        var catalog = CatalogLoader.Load(await LocalImagesAsync(source));
        var plan = BuildPlan.Create(catalog, new PlanOptions
        {
            Release = tag is null ? null : ReleaseTag.Parse(tag),
            BranchTag = branchTag,
            Images = image ?? [],
            Platforms = platform ?? [],
            Registry = registry,
            FloatingTags = !noFloatingTags,
            Revision = revision ?? "unknown",
            Created = sourceDateEpoch is { } epoch ? DateTimeOffset.FromUnixTimeSeconds(epoch) : DateTimeOffset.UtcNow,
        });
        var images = await source.Directory_("images").Id();
        var engine = new Engine.DaggerEngine(Engine.DaggerClient.FromEnvironment(), new Engine.DirectoryId(images.Value));
        return (plan, new Pipeline(engine, Console.Error, Environment.ProcessorCount));
    }

    /// <summary>The core reads the catalog from files: the images folder, exported into this function's container.</summary>
    private static async Task<string> LocalImagesAsync(Directory source)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "image-tooling", "images");
        await source.Directory_("images").Export(path);
        return path;
    }
}
