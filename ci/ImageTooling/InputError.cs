namespace ImageTooling;

/// <summary>Bad input from the user or the catalog: one line for the user, exit code 2, nothing built.</summary>
public sealed class InputError(string message) : Exception(message);

/// <summary>A step of the pipeline failed: exit code 1, nothing half-published.</summary>
public sealed class PipelineFailure(string message, Exception? inner = null) : Exception(message, inner);
