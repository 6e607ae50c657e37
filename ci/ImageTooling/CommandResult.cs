namespace ImageTooling;

public sealed record CommandResult(int ExitCode, string Output);
