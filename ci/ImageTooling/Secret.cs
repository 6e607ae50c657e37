namespace ImageTooling;

/// <summary>
/// A registry password or token. It prints as stars, so it cannot leak through a log line or a message.
/// <c>Source</c> says where it came from (e.g. <c>env://DOCKERHUB_TOKEN</c>), so that an engine with its
/// own secret store can resolve it there instead of ever receiving the value.
/// </summary>
public sealed class Secret(string value, string? source = null)
{
    public string? Source => source;
    public string Reveal() => value;
    public override string ToString() => "***";

    /// <param name="environment">Reads a variable of the environment the command runs in.</param>
    public static Secret FromEnvironment(string variable, Func<string, string?> environment) =>
        environment(variable) is { Length: > 0 } value
            ? new Secret(value, $"env://{variable}")
            : throw new InputError($"missing credentials: the environment variable {variable} is not set (the registry token is read only from the environment, never from the command line)");
}
