using System.Text.Json;
using ImageTooling.Catalog;

namespace ImageTooling.Cli;

/// <summary>
/// The Dagger version the project pins: the catalog's <c>dagger</c> tool, the one place it is written. The module's
/// <c>dagger.json</c> <c>engineVersion</c> (moved by the same grouped Renovate update) must agree with it.
/// </summary>
internal static class DaggerVersion
{
    public static string Of(ImageCatalog catalog, string? daggerJson)
    {
        if (!catalog.Tools.TryGetValue("dagger", out var tool))
            throw new InputError("images/catalog.yaml has no 'dagger' tool: the workflows read the Dagger version from it");
        if (tool.Version.Split('.') is not { Length: 3 } parts || !parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit)))
            throw new InputError($"{tool.Spot}: tools.dagger.version is '{tool.Version}', expected X.Y.Z");
        if (daggerJson is null) return tool.Version;
        string? engine;
        try
        {
            using var json = JsonDocument.Parse(daggerJson);
            engine = json.RootElement.TryGetProperty("engineVersion", out var value) ? value.GetString() : null;
        }
        catch (JsonException e)
        {
            throw new InputError($"dagger.json is not JSON: {e.Message}");
        }
        if (engine is not null && engine != $"v{tool.Version}")
            throw new InputError($"dagger.json's engineVersion is '{engine}' but images/catalog.yaml pins Dagger {tool.Version}: move both together");
        return tool.Version;
    }
}
