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

    /// <summary>
    /// No argument of a dagger call carries a secret's value: each argument as the shell gives it (a <c>$NAME</c> is the
    /// value the step's env gives NAME), so a token pasted into the line or passed as "$DOCKERHUB_TOKEN" instead of
    /// env://DOCKERHUB_TOKEN is caught. Every workflow's dagger calls are checked: they are `run:` lines (no workflow
    /// uses dagger-for-github, whose `call`/`args` inputs it pastes into a script of its own, DaggerTests).
    /// </summary>
    [Fact]
    public void Dagger_inputs_pasted_into_a_shell_line_carry_no_secret()
    {
        var calls = WorkflowFile.All().SelectMany(DaggerCall.In).ToList();
        Assert.True(calls.Count >= 3, $"only {calls.Count} dagger calls found: the release's and branch images' stage, CI's test");
        foreach (var call in calls)
            Assert.True(SecretInArguments(call) is null, $"{call}: {SecretInArguments(call)}");
    }

    private static string? SecretInArguments(DaggerCall call) =>
        call.Arguments.Where(a => (a.Value ?? "").Contains("secrets.", StringComparison.Ordinal)).Select(a => $"--{a.Name} carries {a.Value}").FirstOrDefault();

    [Fact]
    public void A_token_given_to_dagger_as_a_value_is_refused()
    {
        var step = WorkflowFile.Parse("broken.yml", StageJob.Replace("--token env://DOCKERHUB_TOKEN", "--token \"$DOCKERHUB_TOKEN\"", StringComparison.Ordinal)).Job("stage").Steps[0];
        Assert.Equal("--token carries ${{secrets.DOCKERHUB_TOKEN}}", SecretInArguments(DaggerCall.In(step.Job.Workflow).Single()));
        Assert.Null(SecretInArguments(DaggerCall.In(WorkflowFile.Parse("good.yml", StageJob)).Single()));
    }

    [GeneratedRegex(@"^\$\{\{\s*secrets\.(?<name>DOCKERHUB_[A-Z_]*TOKEN)\s*\}\}$")]
    private static partial Regex RegistryTokenSecret();

    /// <summary>
    /// A registry token reaches only the steps that need it, whatever they run: a step whose env holds one must hand it,
    /// by the name of its variable, to the one command that logs in with it: `dagger call ... --token env://NAME`,
    /// `./imagetool ... --password-env NAME`, or `cosign login ... --password-stdin` reading "$NAME". A summary, a
    /// download or any other step that is given the token without using it is refused.
    /// </summary>
    [Fact]
    public void A_registry_token_reaches_only_the_steps_that_use_it()
    {
        var holders = new List<string>();
        foreach (var step in WorkflowFile.All().SelectMany(w => w.Steps))
        {
            foreach (var (variable, value) in step.Env)
            {
                var secret = RegistryTokenSecret().Match(value.Trim());
                if (!secret.Success) continue;
                holders.Add($"{step.Job}:{step.Name}");
                Assert.True(UsesToken(step, variable), $"{step}: holds {secret.Groups["name"].Value} as {variable} but no command of it logs in with that variable");
            }
            // Action inputs never get one (No_step_that_uses_an_action_can_read_a_registry_token), nor any other key.
            Assert.DoesNotContain(step.Node.AllScalars(), s => RegistryToken().IsMatch(s.Value) && !s.Path.StartsWith("env.", StringComparison.Ordinal));
        }
        // The stage calls and the assemble calls of the release and of branch images, release-targets, sign and promote.
        Assert.Equal(7, holders.Count);
    }

    /// <summary>Whether a step's script logs in with the token in <paramref name="variable"/>, by that variable's name.</summary>
    internal static bool UsesToken(Step step, string variable)
    {
        if (step.Uses is not null) return false;
        var byDagger = DaggerCall.InScript(step.Run ?? "").Select(t => DaggerCall.Parse(step, t))
            .Any(c => c.Arguments.Any(a => a.Name == "token" && a.Value == $"env://{variable}"));
        var byImagetool = ImagetoolCall.In(step).Any(c => c.Text.Contains($"--password-env {variable}", StringComparison.Ordinal));
        var byCosign = Regex.IsMatch(step.Run ?? "", $@"printf '%s' ""\${variable}"" \| cosign login \S+ --username ""\$[A-Z_]+"" --password-stdin");
        return byDagger || byImagetool || byCosign;
    }

    [Theory]
    [InlineData("a job summary", "      - name: Stop the Dagger engine\n", "      - name: Summary\n        env:\n          DOCKERHUB_TOKEN: ${{ secrets.DOCKERHUB_TOKEN }}\n        run: echo done >> \"$GITHUB_STEP_SUMMARY\"\n      - name: Stop the Dagger engine\n")]
    [InlineData("a step that only mentions it", "      - name: Stop the Dagger engine\n", "      - name: Echo\n        env:\n          DOCKERHUB_TOKEN: ${{ secrets.DOCKERHUB_TOKEN }}\n        run: echo \"$DOCKERHUB_TOKEN\" | wc -c\n      - name: Stop the Dagger engine\n")]
    [InlineData("another variable's login", "--token env://DOCKERHUB_TOKEN", "--token env://OTHER_TOKEN")]
    public void A_step_given_a_registry_token_it_does_not_log_in_with_is_refused(string what, string replace, string by)
    {
        Assert.Contains(replace, StageJob, StringComparison.Ordinal);
        var broken = WorkflowFile.Parse("broken.yml", StageJob.Replace(replace, by, StringComparison.Ordinal)).Job("stage");
        var refused = broken.Steps.Where(s => s.Env.TryGetValue("DOCKERHUB_TOKEN", out var v) && RegistryTokenSecret().IsMatch(v) && !UsesToken(s, "DOCKERHUB_TOKEN")).ToList();
        Assert.True(refused.Count == 1, $"{what}: {refused.Count} steps refused");
        Assert.True(UsesToken(WorkflowFile.Parse("good.yml", StageJob).Job("stage").Steps[0], "DOCKERHUB_TOKEN"));
    }

    [Fact]
    public void Registry_tokens_reach_dagger_as_secrets_from_the_environment()
    {
        // Every function of the module that takes the registry token (publish-multi-arch, stage, assemble).
        var takesToken = DaggerModule.Agreed.Where(f => f.Value.Contains("token")).Select(f => f.Key).ToHashSet();
        var calls = WorkflowFile.All().SelectMany(DaggerCall.In).Where(c => takesToken.Contains(c.Function)).ToList();
        Assert.Contains(calls, c => c.Function == "stage");
        foreach (var call in calls)
        {
            // env://NAME: Dagger's current secret provider syntax (env:NAME is the legacy form).
            var token = call.Value("token");
            Assert.True(token is not null && token.StartsWith("env://", StringComparison.Ordinal), $"{call}: --token must be env://NAME (a Dagger secret)");
            AssertFromSecretOfThatName(call, token["env://".Length..]);
        }
    }

    [Fact]
    public void Registry_tokens_reach_imagetool_by_the_name_of_an_environment_variable()
    {
        var calls = WorkflowFile.All().SelectMany(ImagetoolCall.In).Where(c => c.Has("password-env")).ToList();
        Assert.Contains(calls, c => c.Command == "assemble");
        foreach (var call in calls)
            AssertFromSecretOfThatName(call, call.Value("password-env") ?? "");
    }

    private static void AssertFromSecretOfThatName(ICommandCall call, string name)
    {
        var env = call.Step.Env;
        Assert.True(env.TryGetValue(name, out var value) && value == $"${{{{ secrets.{name} }}}}", $"{call}: the step's env must set {name} from the secret of that name");
        Assert.Matches(@"^\$\{\{\s*vars\.DOCKERHUB(_BRANCH)?_USERNAME\s*\}\}$", call.Value("username"));
    }

    [Fact]
    public void Only_the_stage_assemble_sign_and_promote_jobs_see_the_release_token()
    {
        var release = WorkflowFile.Load("release.yml");
        var holders = release.Jobs.Where(j => j.Node.AllScalars().Any(s => s.Value.Contains("secrets.DOCKERHUB_TOKEN", StringComparison.Ordinal)))
            .Select(j => j.Id).ToList();
        // publish is the assemble job (scan, sign and promote read its outputs under that name).
        var allowed = new[] { "stage", "publish", "sign", "promote" };
        Assert.True(holders.All(allowed.Contains), $"release.yml: {string.Join(", ", holders.Except(allowed))} sees DOCKERHUB_TOKEN");
        Assert.Contains("stage", holders);
        Assert.Contains("publish", holders);
        Assert.Single(ImagetoolCall.In(release.Job("publish")), c => c.Command == "assemble");
        foreach (var workflow in WorkflowFile.All().Where(w => w.Name != "release.yml"))
            Assert.DoesNotContain("secrets.DOCKERHUB_TOKEN", workflow.Text, StringComparison.Ordinal);
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

    /// <summary>No step that uses an action can read DOCKERHUB_TOKEN (or the branch token): not through its own env or
    /// inputs, not through the job's or the workflow's env, and not by running after a step of the job that held it
    /// (a login or file that step left behind is readable by every later step), unless nothing that saw the token
    /// outlived that step (<see cref="ProblemsOfAnActionAfterTheToken"/>).</summary>
    [Fact]
    public void No_step_that_uses_an_action_can_read_a_registry_token()
    {
        var checkedSteps = 0;
        var afterToken = new List<Step>();
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
                    if (firstHolder is null || step.Index < firstHolder.Index)
                        continue;
                    afterToken.Add(step);
                    var problems = ProblemsOfAnActionAfterTheToken(step);
                    Assert.True(problems.Count == 0,
                        $"{step}: the action {step.Action} runs after {firstHolder} held a registry token (what that step left behind is readable): {string.Join("; ", problems)}");
                }
            }
        }
        Assert.True(checkedSteps > 10, $"only {checkedSteps} action steps found");
        // Exactly the run-report uploads of the two stage jobs (release, branch images) run after a token.
        Assert.Equal(["branch-images.yml:stage", "release.yml:stage"], afterToken.Select(s => s.Job.ToString()).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Why an action step that runs after a step of its job held a registry token could read it; none when it cannot:
    /// it is GitHub's upload-artifact; every earlier holder handed the token to `dagger call` alone, as a Dagger secret
    /// (no login, no config file, nothing written to GITHUB_ENV); and after the last of them, a step without a
    /// condition removed the Dagger engine container that held the secret and checked that none is left, so the
    /// action (which has no condition either) runs only once nothing that saw the token exists.
    /// </summary>
    internal static IReadOnlyList<string> ProblemsOfAnActionAfterTheToken(Step action)
    {
        var problems = new List<string>();
        if (action.Action != "actions/upload-artifact")
            problems.Add("only actions/upload-artifact may run after a registry token was held");
        if (action.Node.Get("if") is not null)
            problems.Add("it has a condition of its own (it must run only when the engine was removed)");
        var holders = action.Job.Steps.Take(action.Index).Where(s => HoldsRegistryToken(s.Node)).ToList();
        foreach (var holder in holders)
        {
            var script = holder.Run ?? "";
            var lines = script.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n').Where(l => l.Trim().Length > 0).ToList();
            if (holder.Uses is not null || lines.Count == 0 || !lines.All(l => DaggerCall.InScript(l).Any()))
                problems.Add($"{holder} does more than `dagger call`");
            foreach (var call in DaggerCall.InScript(script).Select(t => DaggerCall.Parse(holder, t)))
            {
                if (!(call.Value("token") ?? "").StartsWith("env://", StringComparison.Ordinal))
                    problems.Add($"{holder}: the token reaches dagger other than as an env:// secret");
            }
            foreach (var leak in new[] { "login", "GITHUB_ENV", "DOCKER_CONFIG", "tee " })
            {
                if (script.Contains(leak, StringComparison.Ordinal))
                    problems.Add($"{holder}: '{leak}' could leave the token behind");
            }
        }
        var last = holders.LastOrDefault();
        var stop = last is null
            ? null
            : action.Job.Steps.Skip(last.Index + 1).Take(action.Index - last.Index - 1).FirstOrDefault(s =>
                (s.Run ?? "").Contains("docker rm -f", StringComparison.Ordinal)
                && (s.Run ?? "").Contains("test -z \"$(docker ps -aq --filter name=dagger-engine-)\"", StringComparison.Ordinal));
        if (stop is null)
            problems.Add("no step between the token and the action removes the Dagger engine and checks that none is left");
        else if (stop.Node.Get("if") is not null || stop.Node.Get("continue-on-error") is not null)
            problems.Add($"{stop} may be skipped or fail without stopping the action");
        return problems;
    }

    private const string StageJob = """
        on: push
        jobs:
          stage:
            runs-on: ubuntu-latest
            steps:
              - name: Stage
                env:
                  DOCKERHUB_TOKEN: ${{ secrets.DOCKERHUB_TOKEN }}
                run: |
                  dagger call stage --token env://DOCKERHUB_TOKEN > "$RUNNER_TEMP/r.json"
        #holder
              - name: Stop the Dagger engine
        #stop
                run: |
                  docker ps -aq --filter name=dagger-engine- | xargs -r docker rm -f --volumes
                  test -z "$(docker ps -aq --filter name=dagger-engine-)"
              - name: Keep the report
        #action
                uses: actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0
                with:
                  path: ${{ runner.temp }}/r.json
        """;

    [Fact]
    public void An_upload_after_a_dagger_only_token_step_and_the_engine_s_removal_is_accepted() =>
        Assert.Empty(ProblemsOfAnActionAfterTheToken(WorkflowFile.Parse("good.yml", StageJob).Job("stage").StepUsing("actions/upload-artifact")));

    [Theory]
    [InlineData("a skippable engine removal", "#stop\n", "        if: false\n        continue-on-error: true\n", "may be skipped")]
    [InlineData("an unchecked engine removal", "          test -z \"$(docker ps -aq --filter name=dagger-engine-)\"\n", "", "removes the Dagger engine")]
    [InlineData("a third-party action", "        uses: actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0\n", "        uses: someone/upload@0123456789012345678901234567890123456789 # v1\n", "only actions/upload-artifact")]
    [InlineData("a login in the holder", "#holder\n", "          echo \"$DOCKERHUB_TOKEN\" | docker login --password-stdin\n", "does more than `dagger call`")]
    [InlineData("a token in the environment file", "#holder\n", "          echo \"T=$DOCKERHUB_TOKEN\" >> \"$GITHUB_ENV\"\n", "GITHUB_ENV")]
    [InlineData("a conditional upload", "#action\n", "        if: always()\n", "a condition of its own")]
    public void An_action_after_the_token_is_refused_unless_nothing_that_saw_it_is_left(string what, string replace, string by, string expected)
    {
        Assert.Contains(replace, StageJob, StringComparison.Ordinal);
        var broken = WorkflowFile.Parse("broken.yml", StageJob.Replace(replace, by, StringComparison.Ordinal));
        var action = broken.Job("stage").Steps.Single(s => s.Uses is not null);
        var problems = ProblemsOfAnActionAfterTheToken(action);
        Assert.True(problems.Any(p => p.Contains(expected, StringComparison.Ordinal)), $"{what}: expected '{expected}', got: {string.Join("; ", problems)}");
    }
}
