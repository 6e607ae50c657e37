namespace ImageTooling;

/// <summary>
/// Bad input from the user or the catalog: one line for the user, exit code 2, nothing built. Thrown only
/// before the first side effect; after that the same cause is a <see cref="PipelineFailure"/>.
/// </summary>
public sealed class InputError(string message) : Exception(message);
