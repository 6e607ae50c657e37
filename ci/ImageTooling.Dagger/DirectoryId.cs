namespace ImageTooling.Dagger;

/// <summary>A Dagger directory's ID: a query returns it, a later query loads the directory again with <c>node(id:)</c>.</summary>
internal readonly record struct DirectoryId(string Value);
