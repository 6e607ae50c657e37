namespace ImageTooling.Dagger;

/// <summary>Placeholder until the adapter lands.</summary>
public static class DaggerSession
{
    public static bool IsPresent => Environment.GetEnvironmentVariable("DAGGER_SESSION_PORT") is { Length: > 0 };
}
