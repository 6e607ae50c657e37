using System.CommandLine;

namespace ImageTooling.Cli;

/// <summary>
/// The command tree: one file per command under Commands/, the options they share under Options/. Each action maps
/// options onto the core and at most one engine; nothing else happens there.
/// </summary>
internal static class Commands
{
    /// <summary>Parses and runs one command line; what the process and the in-process tests both call.</summary>
    /// <param name="processTermination">How long a cancelled command may take to stop on SIGINT/SIGTERM; null leaves the signals alone (tests).</param>
    public static async Task<int> InvokeAsync(
        string[] args, TextWriter output, TextWriter error, bool live = false, TimeSpan? processTermination = null,
        Func<EngineSettings, IImageEngine>? engines = null, Func<string, string?>? environment = null, Func<string, IWorkflowRuns>? workflowRuns = null)
    {
        var context = new CommandContext(output, error, live, engines ?? Engines.Create);
        if (environment is not null) context = context with { Environment = environment };
        if (workflowRuns is not null) context = context with { WorkflowRuns = workflowRuns };
        var parsed = Root(context).Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors) error.WriteLine($"error: {problem.Message}");
            error.WriteLine("Run 'imagetool --help' for usage.");
            return ExitCodes.BadInput;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = processTermination });
    }

    public static RootCommand Root(CommandContext c)
    {
        var root = new RootCommand("imagetool: build, smoke-test and publish the multi-arch tooling images described in images/catalog.yaml")
        {
            CatalogOptions.ImagesDir,
        };
        Command[] commands =
        [
            // The catalog and the plan.
            ListCommand.Create(c), PlanCommand.Create(c),
            // On an engine: build, smoke-test, publish (or stage by digest, one machine per platform).
            BuildCommand.Create(c), TestCommand.Create(c),
            ChecksumsCommand.Create(c), ReadmeCommand.Create(c),
            PublishMultiArchCommand.Create(c), StageCommand.Create(c),
            // Registry only.
            AssembleCommand.Create(c), StagedTargetsCommand.Create(c),
            // The weekly security check.
            SecurityStatusCommand.Create(c), SecurityTargetsCommand.Create(c), SecurityRebuildCommand.Create(c), NugetAdvisoriesCommand.Create(c),
            // What the workflows ask, so that no rule lives in their YAML or shell.
            BranchTagCommand.Create(c), DaggerVersionCommand.Create(c), DaggerDownloadCommand.Create(c), ReleaseGateCommand.Create(c),
            ReleaseTargetsCommand.Create(c), PromoteCommand.Create(c), ReleaseNotesCommand.Create(c),
        ];
        foreach (var command in commands) root.Subcommands.Add(command);
        return root;
    }
}
