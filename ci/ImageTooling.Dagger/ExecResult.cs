namespace ImageTooling.Dagger;

public sealed record ExecResult(int ExitCode, string Stdout, string Stderr);
