using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ImageTooling.Dagger.Tests.Simulated;

/// <summary>A field (with its arguments) or an inline fragment of a selection set.</summary>
internal abstract record Selection;

internal sealed record FieldSelection(string Name, string? Alias, IReadOnlyDictionary<string, object?> Arguments, IReadOnlyList<Selection>? Selections) : Selection
{
    public string ResponseKey => Alias ?? Name;
}

internal sealed record InlineFragment(string? TypeCondition, IReadOnlyList<Selection> Selections) : Selection;

internal sealed record VariableReference(string Name);

internal sealed record EnumLiteral(string Value);

/// <summary>
/// Just enough of a GraphQL parser for the simulated session: one operation with variable definitions,
/// fields with arguments, aliases and inline fragments. Validation is not its job: the contract
/// test validates every request it received with graphql-js against Dagger's schema.
/// </summary>
internal sealed class GraphQLDocument
{
    private readonly List<string> tokens;
    private int position;

    private GraphQLDocument(string text)
    {
        tokens = Tokenize(text);
    }

    public IReadOnlyList<Selection> Selections { get; private set; } = [];

    public IReadOnlyList<string> VariableNames { get; private set; } = [];

    public static GraphQLDocument Parse(string text)
    {
        var document = new GraphQLDocument(text);
        document.ParseOperation();
        return document;
    }

    private void ParseOperation()
    {
        var variables = new List<string>();
        if (Peek() is "query")
        {
            position++;
            if (Peek() is not ("(" or "{")) position++;
            if (Peek() == "(")
            {
                position++;
                while (Peek() != ")")
                {
                    Expect("$");
                    variables.Add(Next());
                    Expect(":");
                    SkipType();
                    if (Peek() == "=") throw new FormatException("default values for variables are not supported by the simulated session");
                }
                position++;
            }
        }
        VariableNames = variables;
        Selections = ParseSelectionSet();
        if (position != tokens.Count) throw new FormatException($"unexpected '{Peek()}' after the operation");
    }

    private void SkipType()
    {
        if (Peek() == "[")
        {
            position++;
            SkipType();
            Expect("]");
        }
        else
        {
            Next();
        }
        if (Peek() == "!") position++;
    }

    private List<Selection> ParseSelectionSet()
    {
        Expect("{");
        var selections = new List<Selection>();
        while (Peek() != "}")
        {
            if (Peek() == "...")
            {
                position++;
                string? type = null;
                if (Peek() == "on")
                {
                    position++;
                    type = Next();
                }
                selections.Add(new InlineFragment(type, ParseSelectionSet()));
                continue;
            }
            var name = Next();
            string? alias = null;
            if (Peek() == ":")
            {
                position++;
                alias = name;
                name = Next();
            }
            var arguments = new Dictionary<string, object?>();
            if (Peek() == "(")
            {
                position++;
                while (Peek() != ")")
                {
                    var argument = Next();
                    Expect(":");
                    arguments[argument] = ParseValue();
                }
                position++;
            }
            var children = Peek() == "{" ? ParseSelectionSet() : null;
            selections.Add(new FieldSelection(name, alias, arguments, children));
        }
        position++;
        return selections;
    }

    private object? ParseValue()
    {
        var token = Next();
        switch (token)
        {
            case "$":
                return new VariableReference(Next());
            case "[":
                var list = new List<object?>();
                while (Peek() != "]") list.Add(ParseValue());
                position++;
                return list;
            case "{":
                var fields = new Dictionary<string, object?>();
                while (Peek() != "}")
                {
                    var name = Next();
                    Expect(":");
                    fields[name] = ParseValue();
                }
                position++;
                return fields;
            case "true": return true;
            case "false": return false;
            case "null": return null;
        }
        if (token.StartsWith('"')) return token[1..];
        if (token[0] == '-' || char.IsAsciiDigit(token[0]))
            return token.Contains('.', StringComparison.Ordinal) ? double.Parse(token, CultureInfo.InvariantCulture) : long.Parse(token, CultureInfo.InvariantCulture);
        return new EnumLiteral(token);
    }

    private string? Peek() => position < tokens.Count ? tokens[position] : null;

    private string Next() => position < tokens.Count ? tokens[position++] : throw new FormatException("unexpected end of the query");

    private void Expect(string token)
    {
        if (Next() is var actual && actual != token) throw new FormatException($"expected '{token}', got '{actual}'");
    }

    /// <summary>Punctuators, names, numbers, and strings as <c>"</c> + their decoded value.</summary>
    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c) || c == ',')
            {
                i++;
            }
            else if (c == '#')
            {
                while (i < text.Length && text[i] != '\n') i++;
            }
            else if (text.AsSpan(i).StartsWith("..."))
            {
                tokens.Add("...");
                i += 3;
            }
            else if ("{}()[]:!$=@".Contains(c, StringComparison.Ordinal))
            {
                tokens.Add(c.ToString());
                i++;
            }
            else if (c == '"')
            {
                var value = new StringBuilder("\"");
                for (i++; text[i] != '"'; i++)
                {
                    if (text[i] != '\\')
                    {
                        value.Append(text[i]);
                        continue;
                    }
                    i++;
                    value.Append(text[i] switch
                    {
                        'n' => "\n",
                        't' => "\t",
                        'r' => "\r",
                        'b' => "\b",
                        'f' => "\f",
                        'u' => ((char)int.Parse(text.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToString(),
                        var other => other.ToString(),
                    });
                    if (text[i] == 'u') i += 4;
                }
                i++;
                tokens.Add(value.ToString());
            }
            else
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '-' or '.')) i++;
                if (i == start) throw new FormatException($"unexpected character '{c}'");
                tokens.Add(text[start..i]);
            }
        }
        return tokens;
    }

    /// <summary>A JSON variable value as plain .NET values: string, long, double, bool, null, lists and dictionaries.</summary>
    public static object? FromJson(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out var n) ? n : value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => value.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value)),
        _ => null,
    };
}
