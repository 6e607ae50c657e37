using System.CommandLine;
using ImageTooling.Catalog;

namespace ImageTooling.Cli;

/// <summary><c>imagetool release-notes</c>: the release's images and tool versions as Markdown (<see cref="ReleaseNotes"/>),
/// with the GitHub release's pre-release and latest flags from the semver rule over the repository's tags.</summary>
internal static class ReleaseNotesCommand
{
    private static readonly Option<string?> Previous = new("--previous") { Description = "The release to compare with (default: the highest stable release tag below --tag)" };
    private static readonly Option<string?> GithubOutput = new("--github-output") { Description = "Also append prerelease=true|false and latest=true|false (the semver rule over the repository's git tags) to this file, e.g. $GITHUB_OUTPUT" };

    public static Command Create(CommandContext c)
    {
        var command = new Command("release-notes", "Print the release's images and tool versions as Markdown, the changes since the previous release marked")
            { PlanOptionSet.Tag, Previous, GithubOutput };
        command.SetAction((r, ct) => c.Run(async () =>
        {
            var release = ReleaseTag.Parse(r.GetValue(PlanOptionSet.Tag) ?? throw new InputError("release-notes needs --tag vX.Y.Z"));
            var working = CatalogOptions.Load(r);
            var root = Repository.Root(working);
            var tags = (await Repository.GitAsync(root, ["tag", "--list", "v*"], ct))?.Split('\n', StringSplitOptions.RemoveEmptyEntries) ?? [];
            var previous = r.GetValue(Previous) is { } given ? ReleaseTag.Parse(given) : ReleaseNotes.PreviousStable(release, tags);
            var current = await CatalogAtAsync(root, working, release.ToString(), ct);
            if (current is null)
            {
                c.Error.WriteLine($"note: {release} is not a tag of this repository yet: using the working tree's images/catalog.yaml");
                current = working;
            }
            var before = previous is null ? null
                : await CatalogAtAsync(root, working, previous.ToString(), ct) ?? throw new InputError($"cannot read images/catalog.yaml at {previous}: no such tag here (git fetch --tags?)");
            c.Output.Write(ReleaseNotes.Markdown(release, current, previous, before, await RebuildOfAsync(root, release, previous, ct)));
            if (r.GetValue(GithubOutput) is { } file)
            {
                var latest = FloatingTags.Decide(release, tags, ["latest"])[0];
                c.Error.WriteLine($"GitHub release: {(release.IsStable ? "" : "pre-release, ")}{latest}");
                File.AppendAllText(file, $"prerelease={(!release.IsStable).ToString().ToLowerInvariant()}\nlatest={latest.Moves.ToString().ToLowerInvariant()}\n");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Whether the release rebuilds an earlier one: its tag's annotation holds a security rebuild's record, or it
    /// names the same commit as the previous release (a rebuild tagged by hand). Null otherwise, or outside a checkout.</summary>
    private static async Task<RebuildNote?> RebuildOfAsync(string root, ReleaseTag release, ReleaseTag? previous, CancellationToken cancellation)
    {
        var releases = await GitReleases.TryReadAsync(root, cancellation);
        var own = releases.FirstOrDefault(r => r.Tag == release);
        if (own is null) return null;
        if (own.Record is { } record) return new RebuildNote(record.Replaces, own.Commit, record);
        var before = previous is null ? null : releases.FirstOrDefault(r => r.Tag == previous);
        return before is not null && before.Commit == own.Commit ? new RebuildNote(before.Tag, own.Commit, null) : null;
    }

    /// <summary>The catalog as committed at a tag, or null when the tag does not exist here.</summary>
    private static async Task<ImageCatalog?> CatalogAtAsync(string root, ImageCatalog working, string tag, CancellationToken cancellation)
    {
        var text = await Repository.GitAsync(root, ["show", $"refs/tags/{tag}:images/{CatalogLoader.FileName}"], cancellation);
        return text is null ? null : CatalogLoader.Parse($"{tag}:images/{CatalogLoader.FileName}", text, working.Directory);
    }
}
