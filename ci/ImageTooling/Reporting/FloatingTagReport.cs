namespace ImageTooling.Reporting;

/// <summary>A floating tag (<c>vX.Y</c>, <c>vX</c>, <c>latest</c>): whether it moved, why, and the digest it points at when it moved.</summary>
public sealed record FloatingTagReport(string Tag, bool Moved, string Reason, string? Digest);
