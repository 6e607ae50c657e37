namespace ImageTooling.Dagger.Tests.Simulated;

/// <summary>
/// A SIMULATION of the Dagger engine's cache, which outlives a session: give two <see cref="SimulatedDaggerSession"/>s
/// the same one and they behave like two `dagger call`s on one warm engine. Dagger v0.21.8 keeps the result of a
/// <c>withExec</c> whose inputs are all content-addressed between sessions (dagql/cache.go), a container from a pinned
/// image, a directory by its contents, a secret by a hash of its value (core/schema/secret.go), so an identical exec
/// is answered from here without running. Failed execs are not kept (an error is not a cached result). A module
/// function's result is kept here too when the function's cache policy lets it outlive the session (Default).
/// </summary>
internal sealed class SimulatedEngineCache
{
    private readonly Dictionary<string, (int ExitCode, string Stdout, string Stderr)> execs = [];
    private readonly HashSet<string> builds = [];
    private readonly Dictionary<string, string> functionResults = [];
    private readonly Lock state = new();

    /// <summary>How many module function calls were answered from the cache (the module's code did not run), over every session.</summary>
    public int FunctionCallsReplayed { get; private set; }

    /// <summary>A function call's result kept by an earlier identical call (see <see cref="SimulatedDaggerSession.CallFunction"/>).</summary>
    public bool TryFunctionResult(string key, out string value)
    {
        lock (state)
        {
            if (!functionResults.TryGetValue(key, out value!)) return false;
            FunctionCallsReplayed++;
            return true;
        }
    }

    public void KeepFunctionResult(string key, string value)
    {
        lock (state) functionResults[key] = value;
    }

    /// <summary>How many execs were answered from the cache, over every session.</summary>
    public int Replayed { get; private set; }

    public bool TryReplay(string key, out (int ExitCode, string Stdout, string Stderr) result)
    {
        lock (state)
        {
            if (!execs.TryGetValue(key, out result)) return false;
            Replayed++;
            return true;
        }
    }

    public void Keep(string key, (int ExitCode, string Stdout, string Stderr) result)
    {
        lock (state) execs[key] = result;
    }

    /// <summary>Records a <c>dockerBuild</c> by its inputs; true when an identical one was made before (BuildKit's cache).</summary>
    public bool Built(string key)
    {
        lock (state) return !builds.Add(key);
    }
}
