namespace ImageTooling.Testing;

/// <summary>Runs the real imagetool command line as a child process, as users and CI do.</summary>
internal static class Imagetool
{
    public sealed record Result(int Exit, string Out, string Err, TimeSpan Took)
    {
        public string All => Out + Err;
    }

    /// <param name="env">Variables to set; a null value removes the variable.</param>
    /// <param name="echo">Receives every output line as it comes (long builds show their progress).</param>
    public static Result Run(IDictionary<string, string?>? env, Action<string>? echo, params string[] args) =>
        Run(env, echo, interruptWhen: null, args);

    /// <param name="interruptWhen">Sends the process SIGTERM at the first output line it accepts (see <see cref="TestProcess.Run"/>).</param>
    public static Result Run(IDictionary<string, string?>? env, Action<string>? echo, Func<string, bool>? interruptWhen, params string[] args)
    {
        env ??= new Dictionary<string, string?>();
        var set = env.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!);
        // Outside a Dagger session: the local engine, whatever shell runs the tests.
        var unset = env.Where(e => e.Value is null).Select(e => e.Key).Append("DAGGER_SESSION_PORT");
        var result = TestProcess.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "imagetool.dll"), .. args],
            environment: set, timeout: Timeout.InfiniteTimeSpan, unset: unset, echo: echo, interruptWhen: interruptWhen);
        return new Result(result.ExitCode, result.StandardOutput, result.StandardError, result.Took);
    }
}
