using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using ImageTooling.Testing;

namespace ImageTooling.Workflow.Tests;

public partial class DaggerTests
{
    internal static string CatalogDaggerVersion()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Repo.Read(Path.Combine("images", "catalog.yaml"))));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        return root.Map("tools").Map("dagger").Scalar("version") ?? throw new InvalidOperationException("images/catalog.yaml has no tools.dagger.version");
    }

    [GeneratedRegex(@"^\$\{\{\s*steps\.(?<step>[A-Za-z0-9_-]+)\.outputs\.(?<output>[a-z0-9-]+)\s*\}\}$")]
    private static partial Regex StepOutput();

    [Fact]
    public void No_Dagger_version_is_written_in_github_files()
    {
        var version = CatalogDaggerVersion();
        var literal = new Regex($@"(?<![0-9.]){Regex.Escape(version)}(?![0-9])");
        foreach (var file in Directory.EnumerateFiles(Repo.PathOf(".github"), "*", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.False(literal.IsMatch(text), $"{Path.GetRelativePath(Repo.Root, file)} writes Dagger's version {version}: read it from images/catalog.yaml");
            Assert.DoesNotContain("dl.dagger.io", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_Dagger_call_runs_the_catalogs_cli_installed_from_its_checksummed_tarball_in_a_step_without_secrets()
    {
        var calls = WorkflowFile.All().SelectMany(DaggerCall.In).ToList();
        Assert.NotEmpty(calls);
        foreach (var call in calls)
        {
            var step = call.Step;
            Assert.True(step.Uses is null, $"{step}: dagger runs in a run: step, not through an action (dagger-for-github pipes an unpinned install script to sh)");
            var install = step.Job.Steps.Take(step.Index).SingleOrDefault(s => (s.Run ?? "").Contains("sha256sum -c", StringComparison.Ordinal) && s.Env.ContainsKey("URL"));
            Assert.True(install is not null, $"{step}: no earlier step of the job installs the Dagger CLI with a sha256 check");
            Assert.Contains("tar -xzf", install.Run, StringComparison.Ordinal);
            Assert.Contains("GITHUB_PATH", install.Run, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"\|\s*(ba)?sh\b", install.Run);
            Assert.DoesNotContain(install.Env.Values, v => v.Contains("secrets.", StringComparison.Ordinal));
            foreach (var name in new[] { "URL", "SHA256", "ARCHIVE_PATH" })
            {
                var m = StepOutput().Match(install.Env.GetValueOrDefault(name, ""));
                Assert.True(m.Success, $"{install}: {name} must come from the step reading images/catalog.yaml");
                var reader = step.Job.Steps.Take(install.Index).SingleOrDefault(s => s.Id == m.Groups["step"].Value);
                Assert.True(reader is not null, $"{install}: no earlier step '{m.Groups["step"].Value}'");
                Assert.Contains("./imagetool dagger-download", reader.Run ?? "", StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Dagger_json_pins_the_catalog_version()
    {
        var path = Repo.PathOf("dagger.json");
        Assert.True(File.Exists(path), "dagger.json is missing: `dagger call` has no module");
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal($"v{CatalogDaggerVersion()}", json.RootElement.GetProperty("engineVersion").GetString());
    }

    [Fact]
    public void The_module_provides_every_agreed_function_and_argument()
    {
        var module = DaggerModule.Load();
        foreach (var (function, arguments) in DaggerModule.Agreed)
        {
            Assert.True(module.Functions.TryGetValue(function, out var actual), $"ci/module declares no function '{function}' (declared: {string.Join(", ", module.Functions.Keys)})");
            var missing = arguments.Except(actual).ToList();
            Assert.True(missing.Count == 0, $"ci/module's {function} lacks --{string.Join(", --", missing)} (declared: {string.Join(", ", actual)})");
        }
    }

    [Fact]
    public void Every_dagger_call_uses_functions_and_arguments_of_the_module()
    {
        var module = DaggerModule.Load();
        var calls = WorkflowFile.All().SelectMany(DaggerCall.In).ToList();
        Assert.NotEmpty(calls);
        foreach (var call in calls)
        {
            Assert.True(module.Functions.TryGetValue(call.Function, out var arguments),
                $"{call}: the module declares no function '{call.Function}' (declared: {string.Join(", ", module.Functions.Keys)})");
            foreach (var argument in call.Arguments)
                Assert.True(arguments.Contains(argument.Name), $"{call}: '{call.Function}' takes no --{argument.Name}");
        }
    }

    [Fact]
    public void Each_workflow_calls_what_it_is_for()
    {
        var release = DaggerCall.In(WorkflowFile.Load("release.yml"));
        var ci = DaggerCall.In(WorkflowFile.Load("ci.yml"));
        var branch = DaggerCall.In(WorkflowFile.Load("branch-images.yml"));
        Assert.Contains(release, c => c.Function == "stage" && c.Has("tag") && c.Has("platform"));
        Assert.Contains(ci, c => c.Function == "test");
        Assert.DoesNotContain(ci, c => c.Function is "publish-multi-arch" or "stage" or "assemble");
        Assert.Contains(branch, c => c.Function == "stage" && c.Has("branch-tag") && c.Has("platform"));
        // Assembly needs no engine: the workflows run imagetool for it, as promote does.
        Assert.All(release.Concat(branch), c => Assert.NotEqual("assemble", c.Function));
    }

    [Fact]
    public void Module_names_are_spelled_as_the_Dagger_CLI_spells_them()
    {
        Assert.Equal("publish-multi-arch", DaggerModule.Kebab("publishMultiArch"));
        Assert.Equal("source-date-epoch", DaggerModule.Kebab("sourceDateEpoch"));
        Assert.Equal("list", DaggerModule.Kebab("list"));
        Assert.Equal("ImageTooling", DaggerModule.Pascal("image-tooling"));
    }

    [Fact]
    public void Dagger_calls_are_read_from_the_action_and_from_run_lines()
    {
        var workflow = WorkflowFile.Load("release.yml");
        var step = workflow.Steps.First();
        var call = DaggerCall.Parse(step, "publish-multi-arch --tag ${{ steps.release.outputs.tag }} --no-floating-tags --token env://DOCKERHUB_TOKEN --image=a");
        Assert.Equal("publish-multi-arch", call.Function);
        Assert.Equal("${{steps.release.outputs.tag}}", call.Value("tag"));
        Assert.True(call.Has("no-floating-tags"));
        Assert.Null(call.Value("no-floating-tags"));
        Assert.Equal("env://DOCKERHUB_TOKEN", call.Value("token"));
        Assert.Equal("a", call.Value("image"));
    }

    [Fact]
    public void Dagger_calls_are_found_in_run_scripts()
    {
        var script = "set -e\ndagger --progress plain call test \\\n  --image pandoc\necho done; dagger call list && true\n";
        Assert.Equal(["test --image pandoc", "list"], DaggerCall.InScript(script));
    }
}
