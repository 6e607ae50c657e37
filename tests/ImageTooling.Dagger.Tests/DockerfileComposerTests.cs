using System.Text.RegularExpressions;
using ImageTooling.Catalog;

namespace ImageTooling.Dagger.Tests;

public sealed partial class DockerfileComposerTests
{
    private static readonly ImageCatalog Catalog = CatalogLoader.Load(Repo.Images);

    private static BuildNode Node(string image) =>
        BuildPlan.Create(Catalog, new PlanOptions { Platforms = ["linux/arm64"] }).Nodes.Single(n => n.Image.Name == image);

    private static DockerfileSource Source(BuildNode node) =>
        new(node.Image.Dockerfile, File.ReadAllText(Path.Combine(Repo.Images, node.Image.Dockerfile)), node.BuildArgs);

    private static DockerfileSource ComposeReal(string derived, out BuildNode baseNode, out BuildNode derivedNode)
    {
        derivedNode = Node(derived);
        baseNode = derivedNode.Base!;
        return DockerfileComposer.Compose(Source(baseNode), Source(derivedNode), baseNode.Image.Name, $"{derived}/Dockerfile.dagger");
    }

    [Theory]
    [InlineData("tooling-k8s-aws")]
    [InlineData("tooling-k8s-openstack")]
    public void The_derived_FROM_resolves_to_the_base_Dockerfiles_final_stage(string derived)
    {
        var composed = ComposeReal(derived, out var baseNode, out _);

        Assert.Equal($"{derived}/Dockerfile.dagger", composed.Path);
        Assert.Equal("tooling-k8s", composed.BuildArgs[BuildArguments.BaseImage]);
        var stages = DockerfileComposer.Stages(composed.Text);
        var baseStages = DockerfileComposer.Stages(Source(baseNode).Text);
        var derivedStages = DockerfileComposer.Stages(File.ReadAllText(Path.Combine(Repo.Images, derived, "Dockerfile")));
        Assert.Equal(baseStages.Count + derivedStages.Count, stages.Count);
        Assert.Equal(baseStages.Take(baseStages.Count - 1), stages.Take(baseStages.Count - 1));
        Assert.Equal(("tooling-k8s", baseStages[^1].From), stages[baseStages.Count - 1]);
        Assert.Equal(derivedStages, stages.Skip(baseStages.Count));

        // The derived image's final stage comes, through its own stages, from the base's final stage.
        Assert.Equal("tooling-k8s", Expand(Root(stages, stages.Count - 1, baseStages.Count), composed.BuildArgs));
        Assert.Contains(stages.Take(baseStages.Count), s => s.Name == "tooling-k8s");
    }

    /// <summary>
    /// Where stage <paramref name="index"/> starts from: its FROM, followed through the names of the
    /// stages from <paramref name="first"/> on until it leaves them.
    /// </summary>
    internal static string Root(IReadOnlyList<(string? Name, string From)> stages, int index, int first = 0)
    {
        var from = stages[index].From;
        while (stages.Skip(first).FirstOrDefault(s => s.Name == from) is { Name: not null } stage)
            from = stage.From;
        return from;
    }

    [Theory]
    [InlineData("tooling-k8s-aws")]
    [InlineData("tooling-k8s-openstack")]
    public void The_base_stages_are_the_base_Dockerfile_unchanged_but_for_the_name_of_its_final_stage(string derived)
    {
        var composed = ComposeReal(derived, out var baseNode, out _);
        var original = Source(baseNode).Text;

        var body = original[original.IndexOf("\nFROM ", StringComparison.Ordinal)..].Trim();
        var lastFrom = body.Split('\n').Last(l => l.StartsWith("FROM ", StringComparison.Ordinal));
        var expected = body.Replace(lastFrom, lastFrom + " AS tooling-k8s", StringComparison.Ordinal);
        Assert.Contains($"# ---- {baseNode.Image.Dockerfile}\n{expected}\n", composed.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Global_ARGs_of_both_files_come_first_after_the_parser_directives_of_the_base()
    {
        var composed = ComposeReal("tooling-k8s-aws", out var baseNode, out var derivedNode);
        var lines = composed.Text.Split('\n');

        Assert.Equal("# syntax=docker/dockerfile:1", lines[0]);
        Assert.Single(lines, l => l.StartsWith("# syntax=", StringComparison.Ordinal));
        // An argument both files declare the same way is declared once.
        Assert.Equal(
            GlobalArgs(Source(baseNode).Text).Concat(GlobalArgs(Source(derivedNode).Text)).Distinct(),
            GlobalArgs(composed.Text));
        Assert.Contains("ARG DEBIAN_IMAGE", GlobalArgs(composed.Text));
        Assert.Single(lines, l => l == "ARG BASE_IMAGE");
    }

    [Fact]
    public void Build_arguments_are_the_union_and_each_layer_keeps_its_own_TOOLBOX_TOOLS()
    {
        var composed = ComposeReal("tooling-k8s-aws", out var baseNode, out var derivedNode);

        foreach (var (key, value) in baseNode.BuildArgs)
            Assert.Equal(value, composed.BuildArgs[key]);
        foreach (var (key, value) in derivedNode.BuildArgs.Where(a => a.Key != BuildArguments.ToolboxTools))
            Assert.Equal(value, composed.BuildArgs[key]);
        Assert.Equal(baseNode.BuildArgs[BuildArguments.ToolboxTools], composed.BuildArgs["TOOLBOX_TOOLS"]);
        Assert.Equal(derivedNode.BuildArgs[BuildArguments.ToolboxTools], composed.BuildArgs["TOOLBOX_TOOLS__TOOLING_K8S_AWS"]);

        var derivedPart = composed.Text[composed.Text.IndexOf("# ---- tooling-k8s-aws/Dockerfile", StringComparison.Ordinal)..];
        Assert.Contains("ARG TOOLBOX_TOOLS__TOOLING_K8S_AWS\n", derivedPart, StringComparison.Ordinal);
        Assert.Contains("RUN toolbox-register 20-aws \"$TOOLBOX_TOOLS__TOOLING_K8S_AWS\"\n", derivedPart, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\$\{?TOOLBOX_TOOLS\b", derivedPart);
        Assert.Contains("ARG AWS_PACKAGE\n", derivedPart, StringComparison.Ordinal);
        Assert.DoesNotContain("TOOLING_K8S_AWS", composed.Text[..composed.Text.IndexOf("# ---- tooling-k8s-aws/Dockerfile", StringComparison.Ordinal)], StringComparison.Ordinal);
    }

    [Fact]
    public void A_final_stage_that_already_has_a_name_keeps_it()
    {
        var composed = DockerfileComposer.Compose(
            new("base/Dockerfile", "FROM debian AS build\nRUN make\nFROM debian AS runtime\nCOPY --from=build /out /\n", new Dictionary<string, string>()),
            new("derived/Dockerfile", "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN true\n", new Dictionary<string, string>()),
            "base", "derived/Dockerfile.dagger");

        Assert.Equal("runtime", composed.BuildArgs[BuildArguments.BaseImage]);
        Assert.Contains("FROM debian AS runtime\n", composed.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("AS base", composed.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chain_of_three_composes_with_each_FROM_resolving_to_the_stage_below()
    {
        var a = new DockerfileSource("a/Dockerfile", "ARG DEBIAN_IMAGE\nFROM ${DEBIAN_IMAGE}\nARG TOOLBOX_TOOLS\nRUN echo \"$TOOLBOX_TOOLS\" > /a\n",
            new Dictionary<string, string> { ["DEBIAN_IMAGE"] = "debian:trixie", ["TOOLBOX_TOOLS"] = "a-tools" });
        const string layer = "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nARG TOOLBOX_TOOLS\nRUN echo \"${TOOLBOX_TOOLS}\" > /layer\n";
        var ab = DockerfileComposer.Compose(a, new("b/Dockerfile", layer, new Dictionary<string, string> { ["TOOLBOX_TOOLS"] = "b-tools" }), "a", "b/Dockerfile.dagger");
        var abc = DockerfileComposer.Compose(ab, new("c/Dockerfile", layer, new Dictionary<string, string> { ["TOOLBOX_TOOLS"] = "c-tools" }), "b", "c/Dockerfile.dagger");

        var stages = DockerfileComposer.Stages(abc.Text);
        Assert.Equal([("a", "${DEBIAN_IMAGE}"), ("b", "${BASE_IMAGE}"), (null, "${BASE_IMAGE__C}")], stages);
        Assert.Equal("a", Expand(stages[1].From, abc.BuildArgs));
        Assert.Equal("b", Expand(stages[2].From, abc.BuildArgs));
        Assert.Equal("a-tools", abc.BuildArgs["TOOLBOX_TOOLS"]);
        Assert.Equal("b-tools", abc.BuildArgs["TOOLBOX_TOOLS__B"]);
        Assert.Equal("c-tools", abc.BuildArgs["TOOLBOX_TOOLS__C"]);
        Assert.Contains("RUN echo \"${TOOLBOX_TOOLS__C}\" > /layer", abc.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_argument_the_base_declares_but_is_not_given_is_renamed_in_the_derived_part()
    {
        var composed = DockerfileComposer.Compose(
            new("base/Dockerfile", "FROM debian\nARG FLAVOUR=plain\nRUN echo $FLAVOUR\n", new Dictionary<string, string>()),
            new("derived/Dockerfile", "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nARG FLAVOUR\nRUN echo $FLAVOUR\n", new Dictionary<string, string> { ["FLAVOUR"] = "spicy" }),
            "base", "derived/Dockerfile.dagger");

        Assert.False(composed.BuildArgs.ContainsKey("FLAVOUR"));
        Assert.Equal("spicy", composed.BuildArgs["FLAVOUR__DERIVED"]);
        Assert.EndsWith("ARG FLAVOUR__DERIVED\nRUN echo $FLAVOUR__DERIVED\n", composed.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Stages_with_the_same_name_in_both_files_are_refused()
    {
        var error = Assert.Throws<InputError>(() => DockerfileComposer.Compose(
            new("base/Dockerfile", "FROM debian AS fetch\nFROM debian\n", new Dictionary<string, string>()),
            new("derived/Dockerfile", "FROM debian AS fetch\nFROM ${BASE_IMAGE}\n", new Dictionary<string, string>()),
            "base", "derived/Dockerfile.dagger"));
        Assert.Equal("cannot compose base/Dockerfile and derived/Dockerfile: both define a stage 'fetch'; rename it in derived/Dockerfile", error.Message);
    }

    [Fact]
    public void Another_escape_character_is_refused()
    {
        var error = Assert.Throws<InputError>(() => DockerfileComposer.Compose(
            new("base/Dockerfile", "# escape=`\nFROM debian\n", new Dictionary<string, string>()),
            new("derived/Dockerfile", "FROM ${BASE_IMAGE}\n", new Dictionary<string, string>()),
            "base", "derived/Dockerfile.dagger"));
        Assert.Contains("escape character", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Instructions_continued_over_lines_are_read_whole()
    {
        var stages = DockerfileComposer.Stages("FROM --platform=$BUILDPLATFORM \\\n  debian \\\n  AS fetch\nRUN a \\\n  # a comment inside\n  && b\nFROM fetch\n");
        Assert.Equal([("fetch", "debian"), (null, "fetch")], stages);
    }

    private static List<string> GlobalArgs(string dockerfile)
    {
        var lines = dockerfile.Split('\n');
        var firstFrom = Array.FindIndex(lines, l => l.StartsWith("FROM ", StringComparison.Ordinal));
        return lines.Take(firstFrom).Where(l => l.StartsWith("ARG ", StringComparison.Ordinal)).ToList();
    }

    /// <summary>Expands <c>${NAME}</c> as BuildKit does in a FROM line, from the build arguments.</summary>
    private static string Expand(string text, IReadOnlyDictionary<string, string> args) =>
        Variable().Replace(text, m => args[m.Groups[1].Value]);

    [GeneratedRegex(@"\$\{([A-Za-z0-9_]+)\}")]
    private static partial Regex Variable();
}
