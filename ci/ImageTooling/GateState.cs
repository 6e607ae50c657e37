namespace ImageTooling;

public enum GateState
{
    Passed,
    Waiting,
    Failed,
}
