namespace ImageTooling.Dagger;

/// <summary>A Dagger container's ID: a query returns it, a later query loads the container again with <c>node(id:)</c>.</summary>
internal readonly record struct ContainerId(string Value);
