using System.CommandLine;

namespace ImageTooling.Cli;

/// <summary>
/// The registry login of every command that talks to a registry: --username (or $REGISTRY_USERNAME) and the name of the
/// environment variable that holds the token. The token itself never is an argument, and is scrubbed from what is printed.
/// </summary>
internal static class CredentialOptions
{
    public static readonly Option<string?> Username = new("--username") { Description = "Registry user (default: $REGISTRY_USERNAME)" };
    public static readonly Option<string> PasswordEnv = new("--password-env") { Description = "Name of the environment variable holding the registry token", DefaultValueFactory = _ => "REGISTRY_PASSWORD" };

    public static readonly Option[] All = [Username, PasswordEnv];

    /// <summary>The login, or one line saying what is missing.</summary>
    public static RegistryCredentials Required(ParseResult r, CommandContext c) =>
        Optional(r, c, requireToken: false)
        ?? throw new InputError("missing credentials: give --username (or set REGISTRY_USERNAME) and the token in $REGISTRY_PASSWORD (or the variable named by --password-env)");

    /// <summary>The login when a user is given and the token variable is set; null reads the registry anonymously.</summary>
    public static RegistryCredentials? Optional(ParseResult r, CommandContext c) => Optional(r, c, requireToken: true);

    /// <summary>The token's value (for scrubbing it from what is printed), read when needed.</summary>
    public static Func<string?> Token(ParseResult r, CommandContext c) => () => c.Environment(r.GetValue(PasswordEnv)!);

    private static RegistryCredentials? Optional(ParseResult r, CommandContext c, bool requireToken)
    {
        var user = r.GetValue(Username) ?? c.Environment("REGISTRY_USERNAME");
        if (string.IsNullOrEmpty(user) || (requireToken && Token(r, c)() is not { Length: > 0 })) return null;
        return new RegistryCredentials(user, Secret.FromEnvironment(r.GetValue(PasswordEnv)!, c.Environment));
    }
}
