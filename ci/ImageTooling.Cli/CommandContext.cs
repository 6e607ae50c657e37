namespace ImageTooling.Cli;

/// <summary>What every command gets besides its parse result: where it prints, whether a person watches a terminal, how a
/// run's engine is made, the environment it reads variables from and how it asks GitHub for workflow runs. Tests give their own.</summary>
internal sealed record CommandContext(TextWriter Output, TextWriter Error, bool Live, Func<EngineSettings, IImageEngine> Engines)
{
    /// <summary>The one place a command reads an environment variable from (the process's, unless a test gives another).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>The workflow runs of a repository (OWNER/NAME): the runner's <c>gh</c>.</summary>
    public Func<string, IWorkflowRuns> WorkflowRuns { get; init; } = repository => new GhWorkflowRuns(repository);

    /// <summary>Runs a command's action: an exception becomes one line and an exit code, the registry token scrubbed from it.</summary>
    public async Task<int> Run(Func<Task<int>> action, Func<string?>? token = null)
    {
        try
        {
            return await action();
        }
        catch (InputError e)
        {
            Error.WriteLine($"error: {Scrub(e.Message, token)}");
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException)
        {
            Error.WriteLine("error: cancelled");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            Error.WriteLine($"error: {Scrub(e.Message, token)}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>Runs a command's action that does all its work before returning.</summary>
    public Task<int> Run(Func<int> action) => Run(() => Task.FromResult(action()));

    private static string Scrub(string message, Func<string?>? token) =>
        token?.Invoke() is { Length: > 0 } secret ? message.Replace(secret, "***") : message;
}
