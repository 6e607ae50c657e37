using System.CommandLine;

namespace ImageTooling.Cli;

/// <summary>What to build and publish: the options of every command that makes a <see cref="BuildPlan"/>.</summary>
internal static class PlanOptionSet
{
    public static readonly Option<string?> Tag = new("--tag") { Description = "Release tag vX.Y.Z or vX.Y.Z-pre: tags vX.Y.Z, and for a stable release vX.Y, vX and latest" };
    public static readonly Option<string?> BranchTag = new("--branch-tag") { Description = "Branch image tag BRANCH-SHORTSHA (never a release tag or latest)" };
    public static readonly Option<string[]> Image = new("--image") { Description = "Only these images (repeatable); their bases are built too but not published", Arity = ArgumentArity.ZeroOrMore };
    public static readonly Option<string[]> Platform = new("--platform") { Description = "Only these platforms (repeatable): linux/amd64, linux/arm64", Arity = ArgumentArity.ZeroOrMore };
    public static readonly Option<string?> Registry = new("--registry") { Description = "Registry namespace to publish to (default: the catalog's, docker.io/best-tools)" };
    public static readonly Option<bool> NoFloatingTags = new("--no-floating-tags") { Description = "Publish only vX.Y.Z, not vX.Y, vX and latest" };
    public static readonly Option<string?> DownloadMirror = new("--download-mirror") { Description = "Fetch upstream downloads from MIRROR/HOST/PATH instead (offline test harness, corporate mirror)" };
    public static readonly Option<string[]> StandIns = new("--stand-in-downloads") { Description = "TOOL: the mirror serves a stand-in for this tool's download (repeatable); smoke tests that need its real behaviour are skipped", Arity = ArgumentArity.ZeroOrMore };
    public static readonly Option<string[]> BaseImage = new("--base-image") { Description = "Replace a pinned base image: NAME=REFERENCE (repeatable)", Arity = ArgumentArity.ZeroOrMore };
    public static readonly Option<string?> Revision = new("--revision") { Description = "Source revision for the labels (default: $GITHUB_SHA or git HEAD)" };

    public static readonly Option[] All = [Tag, BranchTag, Image, Platform, Registry, NoFloatingTags, DownloadMirror, StandIns, BaseImage, Revision];

    /// <summary>The plan the options describe; an option a command does not take counts as not given.</summary>
    public static async Task<BuildPlan> CreateAsync(ParseResult r, CommandContext c, CancellationToken cancellation)
    {
        var catalog = CatalogOptions.Load(r);
        var overrides = new Dictionary<string, string>();
        foreach (var pair in r.GetValue(BaseImage) ?? [])
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new InputError($"--base-image takes NAME=REFERENCE, got '{pair}'");
            overrides[pair[..eq]] = pair[(eq + 1)..];
        }
        var root = System.IO.Directory.GetCurrentDirectory(); // the checkout whose commit the labels name
        return BuildPlan.Create(catalog, new PlanOptions
        {
            Release = r.GetValue(Tag) is { } tag ? ReleaseTag.Parse(tag) : null,
            BranchTag = r.GetValue(BranchTag),
            Images = r.GetValue(Image) ?? [],
            Platforms = r.GetValue(Platform) ?? [],
            Registry = r.GetValue(Registry),
            FloatingTags = !r.GetValue(NoFloatingTags),
            DownloadMirror = r.GetValue(DownloadMirror),
            StandInTools = r.GetValue(StandIns) ?? [],
            BaseImageOverrides = overrides,
            Revision = r.GetValue(Revision) ?? await Repository.RevisionAsync(root, c.Environment, cancellation),
            Created = await Repository.CreatedAsync(root, c.Environment, cancellation),
        });
    }

    /// <summary>The plan of a release that is already published: the tag (required), the images, the registry.</summary>
    public static BuildPlan Release(ParseResult r) =>
        BuildPlan.Create(CatalogOptions.Load(r), new PlanOptions
        {
            Release = ReleaseTag.Parse(r.GetValue(Tag) ?? throw new InputError("give the release tag: --tag vX.Y.Z")),
            Images = r.GetValue(Image) ?? [],
            Registry = r.GetValue(Registry),
        });
}
