namespace ImageTooling.Catalog;

/// <summary>Where a tool comes from: an upstream release (<see cref="Download"/>) or a Debian package (<see cref="DebianPackage"/>).</summary>
public abstract record ToolSource;
