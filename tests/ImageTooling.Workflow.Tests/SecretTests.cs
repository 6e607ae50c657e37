using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

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
            // env://NAME: Dagger's current secret provider syntax (env:NAME is the legacy form).
            var token = call.Value("token");
            Assert.True(token is not null && token.StartsWith("env://", StringComparison.Ordinal), $"{call}: --token must be env://NAME (a Dagger secret)");
            var name = token["env://".Length..];
            var env = call.Step.Env;
            Assert.True(env.TryGetValue(name, out var value) && value == $"${{{{ secrets.{name} }}}}", $"{call}: the step's env must set {name} from the secret of that name");
            Assert.Matches(@"^\$\{\{vars\.DOCKERHUB(_BRANCH)?_USERNAME\}\}$", call.Value("username"));
        }
    }

    [Fact]
    public void The_release_token_appears_only_in_jobs_of_the_release_environment()
    {
        var jobs = WorkflowFile.All().SelectMany(w => w.Jobs)
            .Where(j => j.Node.AllScalars().Any(s => s.Value.Contains("DOCKERHUB_TOKEN", StringComparison.Ordinal)))
            .ToList();
        Assert.NotEmpty(jobs);
        foreach (var job in jobs)
        {
            Assert.Equal("release.yml", job.Workflow.Name);
            Assert.True(job.Node.Scalar("environment") == "release", $"{job} mentions DOCKERHUB_TOKEN outside the release environment");
        }
        // Branch images have an environment and a token of their own.
        Assert.DoesNotContain("secrets.", WorkflowFile.Load("ci.yml").Text.Replace("secrets.DAGGER_CLOUD_TOKEN", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var branch = WorkflowFile.Load("branch-images.yml").Jobs.Where(j => j.Node.AllScalars().Any(s => s.Value.Contains("secrets.DOCKERHUB_", StringComparison.Ordinal))).ToList();
        Assert.All(branch, j => Assert.Equal("branch-images", j.Node.Scalar("environment")));
        // The release workflow runs only for v*.*.* tags; which tags may deploy to `release` is set on GitHub (docs/releasing.md).
        var docs = Repo.Read(Path.Combine("docs", "releasing.md"));
        Assert.Contains("`release`", docs, StringComparison.Ordinal);
        Assert.Contains("`v*.*.*`", docs, StringComparison.Ordinal);
        Assert.Contains("DOCKERHUB_BRANCH_TOKEN", docs, StringComparison.Ordinal);
    }

    [Fact]
    public void Dagger_cloud_traces_use_the_cloud_token_secret()
    {
        var steps = WorkflowFile.All().SelectMany(DaggerCall.In).Select(c => c.Step).Distinct().ToList();
        Assert.NotEmpty(steps);
        foreach (var step in steps)
            Assert.Equal("${{ secrets.DAGGER_CLOUD_TOKEN }}", step.Env.GetValueOrDefault("DAGGER_CLOUD_TOKEN"));
    }

    [GeneratedRegex(@"secrets\.DOCKERHUB_")]
    private static partial Regex RegistryToken();

    private static bool HoldsRegistryToken(YamlNode? node) => node is not null && node.AllScalars().Any(s => RegistryToken().IsMatch(s.Value));

    /// <summary>No step that runs an action can read DOCKERHUB_TOKEN (or the branch token): not through its own env or
    /// inputs, not through the job's or the workflow's env, and not by running after a step of the job that held it
    /// (a login or file that step left behind is readable by every later step).</summary>
    [Fact]
    public void No_step_that_uses_an_action_can_read_a_registry_token()
    {
        var checkedSteps = 0;
        foreach (var workflow in WorkflowFile.All())
        {
            Assert.False(HoldsRegistryToken(workflow.Root.Get("env")), $"{workflow}: a registry token in the workflow's env reaches every step");
            foreach (var job in workflow.Jobs)
            {
                Assert.False(HoldsRegistryToken(job.Node.Get("env")), $"{job}: a registry token in the job's env reaches every step");
                var firstHolder = job.Steps.FirstOrDefault(s => HoldsRegistryToken(s.Node));
                foreach (var step in job.Steps.Where(s => s.Uses is not null))
                {
                    checkedSteps++;
                    Assert.False(HoldsRegistryToken(step.Node), $"{step}: the action {step.Action} is given a registry token");
                    Assert.True(firstHolder is null || step.Index < firstHolder.Index,
                        $"{step}: the action {step.Action} runs after {firstHolder} held a registry token (what that step left behind is readable)");
                }
            }
        }
        Assert.True(checkedSteps > 10, $"only {checkedSteps} action steps found");
    }
}
