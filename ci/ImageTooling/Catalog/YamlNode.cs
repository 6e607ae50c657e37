using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ImageTooling.Catalog;

/// <summary>
/// A thin reader over YamlDotNet's node model that keeps the position of every value, so that a
/// semantic mistake (unknown base, missing checksum) is reported at its file, line and column.
/// </summary>
internal sealed class YamlNode(YamlNode.Document document, YamlDotNet.RepresentationModel.YamlNode node)
{
    internal sealed record Document(string File);

    public SourceSpot Spot => new(document.File, (int)node.Start.Line, (int)node.Start.Column);

    public static YamlNode Load(string file, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new InputError($"{file}:{e.Start.Line}:{e.Start.Column}: malformed YAML: {Innermost(e).Message}");
        }
        catch (InvalidOperationException e)
        {
            // Rare parser states that YamlDotNet reports without a position.
            throw new InputError($"{file}: malformed YAML: {e.Message}");
        }
        if (stream.Documents.Count != 1)
            throw new InputError($"{file}:1:1: expected exactly one YAML document, found {stream.Documents.Count}");
        return new YamlNode(new Document(file), stream.Documents[0].RootNode);
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    public InputError Error(string message) => new($"{Spot}: {message}");

    public string Scalar(string what)
    {
        if (node is YamlScalarNode { Value: { } value } && (value.Length > 0 || node.Tag.IsEmpty))
            return value;
        throw Error($"{what} must be a single value");
    }

    public IReadOnlyList<(string Key, YamlNode Value, SourceSpot Spot)> Entries(string what, params string[] allowed)
    {
        if (node is not YamlMappingNode map) throw Error($"{what} must be a mapping");
        var entries = new List<(string, YamlNode, SourceSpot)>();
        var seen = new HashSet<string>();
        foreach (var (key, value) in map.Children)
        {
            var keyNode = new YamlNode(document, key);
            var name = keyNode.Scalar($"a key of {what}");
            if (!seen.Add(name)) throw keyNode.Error($"duplicate key '{name}' in {what}");
            if (allowed.Length > 0 && !allowed.Contains(name))
                throw keyNode.Error($"unknown key '{name}' in {what} (expected one of: {string.Join(", ", allowed)})");
            entries.Add((name, new YamlNode(document, value), keyNode.Spot));
        }
        return entries;
    }

    public IReadOnlyList<YamlNode> Items(string what) => node is YamlSequenceNode seq
        ? seq.Children.Select(c => new YamlNode(document, c)).ToList()
        : throw Error($"{what} must be a list");

    public YamlNode? Optional(string key, string what, params string[] allowed) =>
        Entries(what, allowed).Where(e => e.Key == key).Select(e => e.Value).FirstOrDefault();

    public YamlNode Required(string key, string what, params string[] allowed) =>
        Optional(key, what, allowed) ?? throw Error($"{what} is missing '{key}'");
}
