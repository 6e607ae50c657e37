namespace ImageTooling.Cli;

/// <summary>What every command gets besides its parse result: where it prints, whether a person watches a terminal, and
/// how a run's engine is made (tests give their own).</summary>
internal sealed record CommandContext(TextWriter Output, TextWriter Error, bool Live, Func<EngineSettings, IImageEngine> Engines)
{
    /// <summary>Runs a command's action: an exception becomes one line and an exit code, the registry token scrubbed from it.</summary>
    public Task<int> Run(Func<Task<int>> action, Func<string?>? token = null) => Commands.Run(Error, action, token);

    /// <summary>Runs a command's action that does all its work before returning.</summary>
    public Task<int> Run(Func<int> action) => Commands.Run(Error, () => Task.FromResult(action()));
}
