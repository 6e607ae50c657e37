namespace ImageTooling.Catalog;

/// <summary>Where in a catalog file a value came from, so every error can point at it.</summary>
public sealed record SourceSpot(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}
