namespace ImageTooling.Catalog;

/// <summary>
/// A directory of small files mounted at <see cref="Path"/> for one smoke test, as a user mounts one
/// with <c>docker run -v DIR:PATH[:ro]</c>. A writable mount belongs to the test's user.
/// </summary>
/// <param name="Files">File name → contents.</param>
public sealed record SmokeMount(string Path, bool ReadOnly, IReadOnlyDictionary<string, string> Files);
