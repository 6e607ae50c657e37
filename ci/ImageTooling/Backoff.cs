namespace ImageTooling;

/// <summary>
/// The one retry rule of the project, used by the registry client (each HTTP request) and by the pipeline
/// (each push): wait <c>first</c> after the first failed attempt, then twice as long after each further one.
/// </summary>
public static class Backoff
{
    public static TimeSpan Delay(TimeSpan first, int failedAttempts) => first * Math.Pow(2, failedAttempts - 1);
}
