using System.Text.RegularExpressions;

namespace ImageTooling.Workflow.Tests;

public partial class SecretTests
{
    [GeneratedRegex(@"^\$\{\{\s*secrets\.[A-Z][A-Z0-9_]*\s*\}\}$")]
    private static partial Regex WholeSecret();

    [GeneratedRegex(@"(^|\.)env\.[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvPath();

    [GeneratedRegex(@"^jobs\.[^.]+\.steps\[\d+\]\.with\.[A-Za-z0-9_-]+$")]
    private static partial Regex WithPath();

    [Fact]
    public void Secrets_appear_only_as_whole_env_or_action_input_values()
    {
        foreach (var workflow in WorkflowFile.All())
        {
            foreach (var (path, value) in workflow.Root.AllScalars())
            {
                if (!value.Contains("secrets.", StringComparison.Ordinal))
                    continue;
                Assert.True(EnvPath().IsMatch(path) || WithPath().IsMatch(path), $"{workflow}: {path} uses a secret; only env: values and action inputs may");
                Assert.True(WholeSecret().IsMatch(value.Trim()), $"{workflow}: {path} = '{value}': a secret is passed whole, never spliced into text");
            }
        }
    }

    [Fact]
    public void No_run_script_mentions_a_secret_or_a_token_value()
    {
        foreach (var step in WorkflowFile.All().SelectMany(w => w.Steps))
        {
            var run = step.Run ?? "";
            Assert.DoesNotContain("secrets.", run, StringComparison.Ordinal);
            Assert.DoesNotContain("github.token", run, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"--(token|password)[ =](?!env:)", run);
        }
    }

    [Fact]
    public void Dagger_inputs_pasted_into_a_shell_line_carry_no_secret()
    {
        // dagger-for-github pastes `call`/`args` into its own shell script.
        foreach (var step in WorkflowFile.All().SelectMany(w => w.Steps).Where(s => s.Action == DaggerCall.DaggerAction))
        {
            foreach (var input in new[] { "call", "args", "shell", "dagger-flags" })
                Assert.DoesNotContain("secrets.", step.With.GetValueOrDefault(input, ""), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Registry_tokens_reach_dagger_as_secrets_from_the_environment()
    {
        var calls = WorkflowFile.All().SelectMany(DaggerCall.In).Where(c => c.Function == "publish-multi-arch").ToList();
        Assert.NotEmpty(calls);
        foreach (var call in calls)
        {
            var token = call.Value("token");
            Assert.True(token is not null && token.StartsWith("env://", StringComparison.Ordinal), $"{call}: --token must be env://NAME (a Dagger secret)");
            var name = token["env://".Length..];
            var env = call.Step.Env;
            Assert.True(env.TryGetValue(name, out var value) && WholeSecret().IsMatch(value), $"{call}: the step's env must set {name} from secrets");
            Assert.Equal("${{ vars.DOCKERHUB_USERNAME }}", call.Value("username")?.Replace("{{", "{{ ", StringComparison.Ordinal).Replace("}}", " }}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Dagger_cloud_traces_use_the_cloud_token_secret()
    {
        foreach (var step in WorkflowFile.All().SelectMany(w => w.Steps).Where(s => s.Action == DaggerCall.DaggerAction))
        {
            Assert.Equal("${{ secrets.DAGGER_CLOUD_TOKEN }}", step.Env.GetValueOrDefault("DAGGER_CLOUD_TOKEN"));
            Assert.Equal("${{ secrets.DAGGER_CLOUD_TOKEN }}", step.With.GetValueOrDefault("cloud-token"));
        }
    }
}
