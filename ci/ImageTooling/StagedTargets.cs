using ImageTooling.Catalog;

namespace ImageTooling;

/// <summary>One image of the plan with the digest each of its platforms was staged as (before any tag exists).</summary>
public sealed record StagedTarget(string Image, ImageReference Repository, IReadOnlyDictionary<Platform, string> Platforms);

/// <summary>
/// What the stage runners pushed by digest, per image of the plan: the references a scanner takes before anything is
/// tagged (<c>repository@digest</c> of each platform). The same reading of the staged run reports as assembly's
/// (<see cref="ReleaseAssembly"/>), without the registry: every platform of every image staged once, in its own
/// repository, or nothing is listed.
/// </summary>
public static class StagedTargets
{
    /// <exception cref="InputError">No tag is planned, or a platform of an image is not staged, staged twice, or staged in another repository.</exception>
    public static IReadOnlyList<StagedTarget> For(BuildPlan plan, IReadOnlyList<StagedImage> staged)
    {
        ReleaseProtocol.RequireTags(plan);
        var targets = new List<StagedTarget>();
        var problems = new List<string>();
        foreach (var target in plan.Publish)
        {
            var platforms = new Dictionary<Platform, string>();
            foreach (var node in plan.Nodes.Where(n => n.Image == target.Image))
            {
                var (image, problem) = Find(target, node, staged);
                if (image is not null) platforms[image.Platform] = image.Digest;
                else problems.Add($"{target.Image.Name} {node.Platform}: {problem}");
            }
            targets.Add(new StagedTarget(target.Image.Name, target.Repository, platforms));
        }
        return problems.Count == 0
            ? targets
            : throw new InputError($"the staged run reports do not hold this release:\n  {string.Join("\n  ", problems)}");
    }

    /// <summary>The one staged image of a node (its image and platform) in the target's repository, or why there is none.</summary>
    public static (StagedImage? Image, string? Problem) Find(PublishTarget target, BuildNode node, IReadOnlyList<StagedImage> staged)
    {
        var candidates = staged.Where(s => s.Image == target.Image.Name && s.Platform == node.Platform).ToList();
        if (candidates.Count == 0)
            return (null, $"nothing staged (stage it with: imagetool stage --platform {node.Platform})");
        if (candidates.Select(c => c.Digest).Distinct().Count() > 1)
            return (null, $"staged more than once with different digests ({string.Join(", ", candidates.Select(c => c.Digest).Distinct())})");
        var candidate = candidates[0];
        return candidate.Repository == target.Repository
            ? (candidate, null)
            : (null, $"staged in {candidate.Repository}, not in {target.Repository}");
    }
}
