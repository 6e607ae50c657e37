namespace ImageTooling;

public sealed record RegistryCredentials(string Username, Secret Password);
