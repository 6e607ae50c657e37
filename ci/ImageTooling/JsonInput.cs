using System.Text.Json;

namespace ImageTooling;

/// <summary>Reading JSON that comes from outside (a tool's report): bad JSON is bad input, a missing or non-string property is null.</summary>
public static class JsonInput
{
    /// <summary>The document, or an <see cref="InputError"/> "<paramref name="notWhat"/>: why" when <paramref name="json"/> is not JSON.</summary>
    public static JsonDocument Parse(string json, string notWhat)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InputError($"{notWhat}: {e.Message}");
        }
    }

    /// <summary>The string property <paramref name="name"/> of an object, or null.</summary>
    public static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
