namespace ImageTooling;

/// <summary>Whether one floating tag (<c>vX.Y</c>, <c>vX</c> or <c>latest</c>) moves to this release, and why.</summary>
public sealed record FloatingTagDecision(string Tag, bool Moves, string Reason)
{
    public override string ToString() => $"{Tag} {(Moves ? "moves" : "stays")}: {Reason}";
}
