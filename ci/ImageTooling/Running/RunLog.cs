namespace ImageTooling;

/// <summary>The timestamped lines a run prints for people (one writer, many threads). Machines read the run report instead.</summary>
public sealed class RunLog(TextWriter writer)
{
    public static RunLog None { get; } = new(TextWriter.Null);

    public void Say(string line)
    {
        lock (writer) writer.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");
    }
}
