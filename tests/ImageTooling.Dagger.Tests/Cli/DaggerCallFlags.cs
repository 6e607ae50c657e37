namespace ImageTooling.Dagger.Tests.Cli;

/// <summary>
/// The flags the `dagger call` command of the Dagger CLI v0.21.8 has before it adds a function's arguments
/// as flags of the function's sub-command. Cobra copies the parent's persistent flags onto the sub-command
/// first, and an argument whose flag name is already there fails the whole call with
/// <c>flag already exists: NAME</c> (cmd/dagger/flags.go:646-648, modFunctionArg.AddFlag; the error is
/// returned from cmd/dagger/functions.go:582-588 and is fatal). Ported by hand from Dagger's source at tag
/// v0.21.8, file and line at each group.
/// </summary>
internal static class DaggerCallFlags
{
    /// <summary>The root command's persistent flags, which every sub-command inherits.</summary>
    public static IReadOnlyList<string> Global { get; } =
    [
        // cmd/dagger/main.go:196, rootCmd.PersistentFlags().BoolP("help", "h", ...)
        "help",
        // cmd/dagger/main.go:375-401, installGlobalFlags, installed on rootCmd.PersistentFlags() at main.go:699
        "workdir", "verbose", "quiet", "silent", "debug", "progress", "lock", "interactive", "interactive-command",
        "web", "no-exit", "auto-apply", "x-release", "dot-output", "dot-focus-field", "dot-show-internal",
        "cloud", "scale-out",
    ];

    /// <summary>The persistent flags of `dagger call` itself.</summary>
    public static IReadOnlyList<string> Call { get; } =
    [
        // cmd/dagger/module.go:129-144, moduleAddFlags, on callModCmd's persistent flags at module.go:147
        "mod", "no-mod", "allow-llm", "eager-runtime",
        // cmd/dagger/functions.go:247 and 249, FuncCommand.Command: --output/-o and --json/-j
        "output", "json",
    ];

    public static IReadOnlyList<string> All { get; } = [.. Global, .. Call];

    /// <summary>
    /// The flag name `dagger call` gives an argument: strcase.ToKebab of its name (cmd/dagger/module_inspect.go:1135-1140
    /// and 1232-1234). This covers the names a module declares (camelCase, digits), not every acronym rule of strcase.
    /// </summary>
    public static string FlagName(string argument)
    {
        var kebab = new System.Text.StringBuilder();
        for (var i = 0; i < argument.Length; i++)
        {
            var c = argument[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(argument[i - 1]) || char.IsDigit(argument[i - 1])))
                kebab.Append('-');
            kebab.Append(c == '_' ? '-' : char.ToLowerInvariant(c));
        }
        return kebab.ToString();
    }
}
