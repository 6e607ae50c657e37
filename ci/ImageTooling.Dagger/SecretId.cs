namespace ImageTooling.Dagger;

/// <summary>A Dagger secret's ID: the engine resolves the value; queries carry only the ID.</summary>
internal readonly record struct SecretId(string Value);
