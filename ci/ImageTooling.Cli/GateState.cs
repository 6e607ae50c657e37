namespace ImageTooling.Cli;

public enum GateState
{
    Passed,
    Waiting,
    Failed,
}
