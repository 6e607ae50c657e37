namespace ImageTooling.Cli;

internal enum GateState
{
    Passed,
    Waiting,
    Failed,
}
