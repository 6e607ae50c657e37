namespace ImageTooling.Dagger;

public static class DaggerSession
{
    /// <summary>True inside a Dagger session, e.g. under <c>dagger run</c>.</summary>
    public static bool IsPresent => Environment.GetEnvironmentVariable("DAGGER_SESSION_PORT") is { Length: > 0 };
}
