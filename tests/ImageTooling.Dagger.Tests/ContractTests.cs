using System.Text.Json;
using System.Text.Json.Nodes;
using ImageTooling.Testing;
using Xunit.Abstractions;

namespace ImageTooling.Dagger.Tests;

/// <summary>
/// Every query the adapter sent in every run of these tests — a full release and each error path —
/// validated with graphql-js against the repository's copy of Dagger's v0.21.8 schema
/// (tests/contract/dagger-schema-v0.21.8.graphql).
/// </summary>
public sealed class ContractTests(ITestOutputHelper output)
{
    private const string SchemaFile = "dagger-schema-v0.21.8.graphql";

    [Fact]
    public async Task Every_recorded_query_is_valid_against_the_Dagger_schema()
    {
        var requests = await Runs.AllRequestsAsync();
        // Each kind of request the adapter can send is among them.
        string[] kinds = ["EngineVersion", "HostDirectory", "ReadFile", "DockerBuild", "Exec", "Secret", "Publish"];
        Assert.All(kinds, k => Assert.Contains(requests, r => r.Request.Name == k));
        Assert.Contains(requests, r => r.Request.Name == "DockerBuild" && r.Request.Query.Contains("withNewFile", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Request.Name == "Exec" && r.Request.Query.Contains("withUser", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Request.Name == "Exec" && !r.Request.Query.Contains("withUser", StringComparison.Ordinal));

        var file = Path.Combine(Path.GetTempPath(), $"dagger-requests-{Guid.NewGuid():N}.json");
        var list = new JsonArray(requests.Select(r => (JsonNode)new JsonObject
        {
            ["name"] = $"{r.Run}: {r.Request.Name}",
            ["query"] = r.Request.Query,
            ["variables"] = JsonNode.Parse(r.Request.VariablesJson),
        }).ToArray());
        await File.WriteAllTextAsync(file, list.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        try
        {
            var (exit, text) = NodeTool.Run("contract", "validate.mjs", file);
            output.WriteLine(text);
            Assert.True(exit == 0, $"node tests/contract/validate.mjs failed (exit {exit}):\n{text}");
            Assert.Contains($"{requests.Count} requests valid against {SchemaFile}", text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_schema_copy_is_the_stripped_v0_21_8_schema()
    {
        var text = File.ReadAllText(Path.Combine(Repo.Contract, SchemaFile));
        Assert.StartsWith("# Dagger API schema, Dagger v0.21.8,", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"\"\"", text, StringComparison.Ordinal);
        Assert.Contains("node(id: ID!): Node", text, StringComparison.Ordinal);
        Assert.Contains("directive @expectedType(name: String!) on ARGUMENT_DEFINITION | FIELD_DEFINITION", text, StringComparison.Ordinal);
    }
}
