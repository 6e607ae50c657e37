namespace ImageTooling;

/// <summary>
/// What a run that publishes (or stages, or assembles) did: its build (null when it built nothing: assembly), every
/// version and floating tag it pushed, found in place or left, in order, the platform images it staged by digest, and
/// why it stopped when it did not complete (null: it completed). A failure is a value here, never an exception: the
/// report of a failed run names what it did before it stopped.
/// </summary>
public sealed record ReleaseOutcome(BuildOutcome? Build, IReadOnlyList<PublishedImage> Published, IReadOnlyList<StagedImage> Staged, string? Failure)
{
    public bool Succeeded => Failure is null;

    public static ReleaseOutcome BuildFailed(BuildOutcome build) => new(build, [], [], build.Failure);
}
