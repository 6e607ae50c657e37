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
    /// The values `dagger call` collects for a list argument of a core object type, such as assemble's <c>staged: File[]</c>
    /// (<c>[File!]</c>). Its flag is a <c>sliceValue</c> (cmd/dagger/flags.go:799-808, the list-of-objects case of AddFlag,
    /// and flags.go:68-80, GetCustomFlagValueSlice). pflag calls the flag's Set once per occurrence, for <c>--name value</c>
    /// and <c>--name=value</c> alike (spf13/pflag v1.0.10, the version cmd/dagger's go.mod pins: flag.go:1014-1033 and
    /// 1180-1181). sliceValue.Set (flags.go:170-208) removes every quote character, reads the value as one CSV record
    /// (readAsCSV, flags.go:874-881), trims each field and appends it to what earlier occurrences gave. Each field is then
    /// a host path the CLI loads as a File (fileValue, flags.go:308-328). So both spellings give a list: a repeated flag,
    /// and commas within one value. Not ported: a line break inside a value (the CSV reader reads the first record only),
    /// and pflag's "--" end of flags and short flags.
    /// </summary>
    public static IReadOnlyList<string> ListValues(IReadOnlyList<string> arguments, string flag)
    {
        var values = new List<string>();
        for (var i = 0; i < arguments.Count; i++)
        {
            string? value = null;
            if (arguments[i] == $"--{flag}" && i + 1 < arguments.Count)
                value = arguments[++i];
            else if (arguments[i].StartsWith($"--{flag}=", StringComparison.Ordinal))
                value = arguments[i][(flag.Length + 3)..];
            if (value is null) continue;
            var unquoted = value.Replace("\"", "", StringComparison.Ordinal).Replace("'", "", StringComparison.Ordinal).Replace("`", "", StringComparison.Ordinal);
            if (unquoted.Length == 0) continue;
            values.AddRange(unquoted.Split(',').Select(v => v.Trim()));
        }
        return values;
    }

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
