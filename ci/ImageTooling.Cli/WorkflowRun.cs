using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageTooling.Cli;

/// <summary>One GitHub Actions workflow run as <c>gh run list --json databaseId,status,conclusion,event</c> prints it.</summary>
internal sealed record WorkflowRun(
    [property: JsonPropertyName("databaseId")] long DatabaseId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("conclusion")] string? Conclusion,
    [property: JsonPropertyName("event")] string? Event = null)
{
    /// <summary>The fields <see cref="ParseList"/> reads, for <c>gh run list --json</c>.</summary>
    public const string Fields = "databaseId,status,conclusion,event";

    /// <summary>GitHub's statuses of a run that has not finished (queued, in_progress, waiting, requested, pending).</summary>
    public bool IsFinished => Status == "completed";

    public bool Succeeded => IsFinished && Conclusion == "success";

    public static IReadOnlyList<WorkflowRun> ParseList(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<List<WorkflowRun>>(json) ?? throw new InputError("the run list is null");
        }
        catch (JsonException e)
        {
            throw new InputError($"not a run list of gh run list --json {Fields}: {e.Message}");
        }
    }
}
