namespace ImageTooling;

/// <summary>
/// A step of the run failed once work had begun: exit code 1, nothing half-published. The message names
/// what failed (the image and platform, the tag, the registry); <c>InnerException</c> keeps the cause.
/// </summary>
public sealed class PipelineFailure(string message, Exception? inner = null) : Exception(message, inner);
