using System.CommandLine;
using ImageTooling.Reporting;

namespace ImageTooling.Cli;

/// <summary>The digests a published release's version tags must still point at: the publish step's run report, or given one by one.</summary>
internal static class ExpectedDigestOptions
{
    public static readonly Option<string?> RunReportFile = new("--run-report") { Description = "The run report of publish-multi-arch (its --metadata-file): every version tag must still point at the digest it names" };
    public static readonly Option<string[]> ExpectDigest = new("--expect-digest") { Description = "IMAGE=sha256:... (repeatable): the version tag must point at this digest", Arity = ArgumentArity.ZeroOrMore };

    public static readonly Option[] All = [RunReportFile, ExpectDigest];

    /// <summary>The version-tag digests, by repository; null when none were given.</summary>
    public static Dictionary<string, string>? Read(ParseResult r, BuildPlan plan)
    {
        var given = r.GetValue(ExpectDigest) ?? [];
        var file = r.GetValue(RunReportFile);
        if (given.Length == 0 && file is null) return null;
        var expected = new Dictionary<string, string>();
        if (file is not null)
        {
            foreach (var (repository, digest) in RunReport.Read(file).VersionDigests(plan.Options.Release!.ToString()))
                expected[repository] = digest;
            if (expected.Count == 0)
                throw new InputError($"the run report {file} names no digest for {plan.Options.Release}: is it publish-multi-arch's --metadata-file?");
        }
        foreach (var pair in given)
        {
            var eq = pair.IndexOf('=');
            var target = eq > 0 ? plan.Publish.FirstOrDefault(p => p.Image.Name == pair[..eq]) : null;
            if (target is null || !pair[(eq + 1)..].StartsWith("sha256:", StringComparison.Ordinal))
                throw new InputError($"--expect-digest takes IMAGE=sha256:... for a planned image, got '{pair}'");
            expected[target.Repository.ToString()] = pair[(eq + 1)..];
        }
        return expected;
    }
}
