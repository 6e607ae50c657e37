using ImageTooling.Local;

namespace ImageTooling.Cli;

/// <summary>The runs of one of the repository's workflows, newest first, as GitHub lists them.</summary>
internal interface IWorkflowRuns
{
    /// <param name="workflow">The workflow file, e.g. ci.yml.</param>
    /// <param name="commit">Only the runs of this commit; null for every run.</param>
    /// <exception cref="WorkflowRunsUnreadable">GitHub could not be asked, or its answer was not a run list.</exception>
    Task<IReadOnlyList<WorkflowRun>> ListAsync(string workflow, string? commit, CancellationToken cancellation);
}

/// <summary>GitHub could not be asked for a workflow's runs (network, rate limit, authentication): a wait asks again.</summary>
internal sealed class WorkflowRunsUnreadable(string message) : Exception(message);

/// <summary>
/// <c>gh run list</c> (the GitHub CLI of the runner, authenticated by <c>GH_TOKEN</c>). Each call is bounded by
/// <see cref="CallTimeout"/>, so a wait that asks ends at most that long after its deadline.
/// </summary>
internal sealed class GhWorkflowRuns(string repository) : IWorkflowRuns
{
    public static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(1);

    /// <summary>The GitHub CLI to run: the runner's <c>gh</c> on PATH unless a path is given.</summary>
    public string Program { get; init; } = "gh";

    public async Task<IReadOnlyList<WorkflowRun>> ListAsync(string workflow, string? commit, CancellationToken cancellation)
    {
        List<string> arguments = ["run", "list", "--repo", repository, "--workflow", workflow, "--limit", "100", "--json", WorkflowRun.Fields];
        if (commit is not null) arguments.AddRange(["--commit", commit]);
        CommandResult result;
        try
        {
            result = await ChildProcess.RunAsync(Program, arguments, cancellation, timeout: CallTimeout);
        }
        catch (PipelineFailure e)
        {
            throw new WorkflowRunsUnreadable(e.Message);
        }
        if (result.ExitCode != 0)
            throw new WorkflowRunsUnreadable($"gh run list exited {result.ExitCode}: {result.Output.Trim()}");
        try
        {
            return WorkflowRun.ParseList(result.Output);
        }
        catch (InputError e)
        {
            throw new WorkflowRunsUnreadable(e.Message);
        }
    }
}
