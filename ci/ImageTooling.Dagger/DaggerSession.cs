namespace ImageTooling.Dagger;

public static class DaggerSession
{
    /// <summary>True inside a Dagger session, e.g. under <c>dagger run</c>.</summary>
    /// <param name="environment">Reads a variable of the environment the command runs in.</param>
    public static bool IsPresentIn(Func<string, string?> environment) => environment("DAGGER_SESSION_PORT") is { Length: > 0 };
}
