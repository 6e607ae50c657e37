using System.Text.RegularExpressions;

namespace ImageTooling.Dagger.Tests.Simulated;

/// <summary>
/// A SIMULATION of how Dagger v0.21.8 applies an `ignore` (or `exclude`) list to a directory: dockerignore patterns
/// through moby/patternmatcher as fsutil walks the directory (core/modulesource.go loads a <c>defaultPath</c>
/// argument from the context directory with the argument's ignore list; core/modfunc.go passes it). A path is
/// excluded when the last pattern that matches it or one of its parent directories is not a <c>!</c> exception;
/// <c>*</c> and <c>?</c> stay within one path segment, <c>**</c> spans any number of them. Character classes and
/// escapes are not modelled (the module uses none).
/// </summary>
internal sealed class IgnorePatterns
{
    private readonly List<(Regex Pattern, bool Exception, string LiteralPrefix)> patterns = [];

    public IgnorePatterns(IEnumerable<string> patterns)
    {
        foreach (var text in patterns)
        {
            var exception = text.StartsWith('!');
            var pattern = (exception ? text[1..] : text).Trim('/');
            var literal = pattern.IndexOfAny(['*', '?']) is var glob and >= 0 ? pattern[..glob] : pattern;
            this.patterns.Add((new Regex("^" + ToRegex(pattern) + "$", RegexOptions.CultureInvariant), exception, literal));
        }
    }

    public bool IsEmpty => patterns.Count == 0;

    /// <summary>Whether the path (relative, with '/') is left out.</summary>
    public bool Excludes(string path)
    {
        var excluded = false;
        var prefixes = Prefixes(path).ToList();
        foreach (var (pattern, exception, _) in patterns)
            if (prefixes.Any(pattern.IsMatch))
                excluded = !exception;
        return excluded;
    }

    /// <summary>Whether a walk must still enter an excluded directory: an exception may re-include something below it.</summary>
    public bool MayIncludeBelow(string directory) =>
        patterns.Any(p => p.Exception && (p.LiteralPrefix.Length == 0 || p.LiteralPrefix.StartsWith(directory + "/", StringComparison.Ordinal)
            || (directory + "/").StartsWith(p.LiteralPrefix, StringComparison.Ordinal)));

    private static IEnumerable<string> Prefixes(string path)
    {
        for (var i = path.IndexOf('/', StringComparison.Ordinal); i >= 0; i = path.IndexOf('/', i + 1))
            yield return path[..i];
        yield return path;
    }

    private static string ToRegex(string pattern)
    {
        var regex = new System.Text.StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "**/" matches no directory too, as in patternmatcher.
                var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                regex.Append(slash ? "(.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (pattern[i] == '*')
            {
                regex.Append("[^/]*");
            }
            else if (pattern[i] == '?')
            {
                regex.Append("[^/]");
            }
            else
            {
                regex.Append(Regex.Escape(pattern[i].ToString()));
            }
        }
        return regex.ToString();
    }
}
