namespace ImageTooling.Catalog;

/// <summary>A command run inside a container of an image, and the text its output must contain.</summary>
public sealed record SmokeTest(string Name, string Run, string Expect, string? User = null, bool NeedsRealTool = false);
