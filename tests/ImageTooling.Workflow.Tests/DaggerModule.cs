using System.Text.Json;
using System.Text.RegularExpressions;
using ImageTooling.Testing;

namespace ImageTooling.Workflow.Tests;

/// <summary>
/// The functions of the Dagger module (ci/module) and their arguments, as `dagger call` spells them
/// (kebab-case), read by Dagger's TypeScript SDK's own introspector from the module's source
/// (tests/module/module.mjs declared), the way the engine learns them when it loads the module.
/// </summary>
internal sealed partial class DaggerModule
{
    /// <summary>The interface maintainers, the workflows and docs/dagger.md rely on: the module must keep providing it.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> Agreed = new Dictionary<string, IReadOnlySet<string>>
    {
        ["list"] = new HashSet<string> { "source", "markdown" },
        ["plan"] = new HashSet<string> { "source", "tag", "branch-tag", "image", "platform", "registry", "no-floating-tags", "as-json" },
        ["build"] = new HashSet<string> { "source", "tag", "branch-tag", "image", "platform", "revision", "source-date-epoch", "rerun" },
        ["test"] = new HashSet<string> { "source", "tag", "branch-tag", "image", "platform", "revision", "source-date-epoch", "rerun" },
        ["publish-multi-arch"] = new HashSet<string>
        {
            "source", "tag", "branch-tag", "image", "platform", "registry", "no-floating-tags", "force", "username", "token",
            "revision", "source-date-epoch",
        },
        ["stage"] = new HashSet<string>
        {
            "source", "tag", "branch-tag", "image", "platform", "registry", "username", "token", "revision", "source-date-epoch",
        },
        ["assemble"] = new HashSet<string>
        {
            "source", "staged", "tag", "branch-tag", "image", "registry", "no-floating-tags", "force", "username", "token",
        },
    };

    private DaggerModule(IReadOnlyDictionary<string, IReadOnlySet<string>> functions) => Functions = functions;

    public IReadOnlyDictionary<string, IReadOnlySet<string>> Functions { get; }

    private static readonly Lazy<DaggerModule> Declared = new(Read);

    /// <summary>The module as the SDK's introspector reads it; a module it cannot read fails the test that asks.</summary>
    public static DaggerModule Load() => Declared.Value;

    private static DaggerModule Read()
    {
        var result = NodeTool.Run("module", "module.mjs", "declared");
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"the SDK's introspector could not read ci/module (node tests/module/module.mjs declared):\n{result}");
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        var main = Pascal(root.GetProperty("module").GetString()!);
        var functions = root.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("name").GetString() == main)
            .GetProperty("functions").EnumerateArray()
            .ToDictionary(
                f => Kebab(f.GetProperty("name").GetString()!),
                f => (IReadOnlySet<string>)f.GetProperty("arguments").EnumerateArray().Select(a => Kebab(a.GetProperty("name").GetString()!)).ToHashSet());
        return new DaggerModule(functions);
    }

    /// <summary>image-tooling → ImageTooling: the module's main object is named after the module.</summary>
    public static string Pascal(string name) => string.Concat(name.Split('-', '_').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));

    /// <summary>publishMultiArch → publish-multi-arch, sourceDateEpoch → source-date-epoch: how the Dagger CLI spells them.</summary>
    public static string Kebab(string name) => CaseBoundary().Replace(name, "-").ToLowerInvariant();

    [GeneratedRegex("(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")]
    private static partial Regex CaseBoundary();
}
