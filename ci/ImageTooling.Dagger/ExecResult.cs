namespace ImageTooling.Dagger;

internal sealed record ExecResult(int ExitCode, string Stdout, string Stderr);
