using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImageTooling.Dagger.Tests.Simulated;
using ImageTooling.Testing;
using Xunit.Abstractions;

namespace ImageTooling.Dagger.Tests;

/// <summary>Validates requests a session received with graphql-js (tests/contract/validate.mjs) against Dagger's v0.21.8 schema.</summary>
internal static class Contract
{
    public const string SchemaFile = "dagger-schema-v0.21.8.graphql";

    /// <summary>Fails the test unless every request is valid; returns validate.mjs's report.</summary>
    public static async Task<string> ValidateAsync(IReadOnlyList<(string Run, SessionRequest Request)> requests, ITestOutputHelper output)
    {
        var (exit, text) = await RunValidatorAsync(requests);
        output.WriteLine(text);
        Assert.True(exit == 0, $"node tests/contract/validate.mjs failed (exit {exit}):\n{text}");
        Assert.Contains($"{requests.Count} requests valid against {SchemaFile}", text, StringComparison.Ordinal);
        return text;
    }

    /// <summary>Runs validate.mjs on the requests: its exit code and report.</summary>
    public static async Task<(int ExitCode, string Report)> RunValidatorAsync(IReadOnlyList<(string Run, SessionRequest Request)> requests)
    {
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
            return (exit, text);
        }
        finally
        {
            File.Delete(file);
        }
    }
}

/// <summary>
/// Every request the C# adapter sent in every run of these tests — a full release and each error path —
/// validated with graphql-js against the repository's copy of Dagger's v0.21.8 schema
/// (tests/contract/dagger-schema-v0.21.8.graphql). The module's requests are validated in ModuleTests.
/// </summary>
public sealed class ContractTests(ITestOutputHelper output)
{
    /// <summary>The upstream file the schema copy is made from: Dagger's published SDL of v0.21.8, kept unchanged in tests/contract/upstream.</summary>
    private const string UpstreamSchema = "dagger-api-v0.21.8.graphqls";

    /// <summary>sha256 of the upstream SDL the copy was made from; an edit to that input is a different schema.</summary>
    private const string UpstreamSchemaSha256 = "0761d3c0523c46e446d3bb7a959c08152caf3499219169efd6c7996212c632b0";

    [Fact]
    public async Task Every_request_of_the_adapter_is_valid_against_the_Dagger_schema()
    {
        var requests = await Runs.AllRequestsAsync();
        // Each kind of request the adapter can send is among them.
        string[] kinds = ["EngineVersion", "HostDirectory", "ReadFile", "DockerBuild", "Exec", "Secret", "Publish"];
        Assert.All(kinds, k => Assert.Contains(requests, r => r.Request.Name == k));
        Assert.Contains(requests, r => r.Request.Name == "DockerBuild" && r.Request.Query.Contains("withNewFile", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Request.Name == "Exec" && r.Request.Query.Contains("withUser", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Request.Name == "Exec" && !r.Request.Query.Contains("withUser", StringComparison.Ordinal));

        await Contract.ValidateAsync(requests, output);
    }

    [Fact]
    public async Task The_validator_rejects_an_unknown_argument_a_literal_and_a_variable_of_the_wrong_type()
    {
        SessionRequest Request(string name, string query, string variables = "{}") => new(name, query, variables);
        var requests = new List<(string, SessionRequest)>
        {
            ("valid", Request("Exec", """query Exec($id: ID!) { node(id: $id) { ... on Container { withExec(args: ["true"]) { exitCode } } } }""", """{"id":"x"}""")),
            ("unknown argument", Request("Exec", """query Exec { container { withExec(argz: ["true"]) { exitCode } } }""")),
            ("literal of the wrong type", Request("Exec", """query Exec { container { withExec(args: ["true"], expect: 1) { exitCode } } }""")),
            ("variable of the wrong type", Request("Exec", """query Exec($args: [String!]!) { container { withExec(args: $args) { exitCode } } }""", """{"args":[1]}""")),
        };

        var (exit, report) = await Contract.RunValidatorAsync(requests);
        output.WriteLine(report);

        Assert.Equal(1, exit);
        Assert.Contains("3 of 4 requests are not valid", report, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL #1 ", report, StringComparison.Ordinal);
        Assert.Contains("Unknown argument \"argz\" on field \"Container.withExec\"", report, StringComparison.Ordinal);
        Assert.Contains("Enum \"ReturnType\" cannot represent non-enum value: 1", report, StringComparison.Ordinal);
        Assert.Contains("Variable \"$args\" got invalid value 1 at \"args[0]\"; String cannot represent a non string value: 1", report, StringComparison.Ordinal);
    }

    [Fact]
    public void The_schema_copy_is_the_stripped_upstream_schema()
    {
        var copy = Path.Combine(Repo.Contract, Contract.SchemaFile);
        var text = File.ReadAllText(copy);
        Assert.StartsWith("# Dagger API schema, Dagger v0.21.8,", text, StringComparison.Ordinal);
        Assert.Contains($"from {UpstreamSchema} (Dagger's published SDL)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"\"\"", text, StringComparison.Ordinal);

        // Regenerating the copy from the upstream file gives the copy, byte for byte, and the upstream file is the pinned one.
        var upstream = Path.Combine(Repo.Contract, "upstream", UpstreamSchema);
        var folder = Directory.CreateTempSubdirectory("schema-").FullName;
        try
        {
            var source = Path.Combine(folder, UpstreamSchema);
            File.Copy(upstream, source);
            Assert.Equal(UpstreamSchemaSha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(source))));
            var script = Path.Combine(folder, "strip-schema.mjs");
            File.Copy(Path.Combine(Repo.Contract, "strip-schema.mjs"), script);
            // The script writes beside itself; node_modules of tests/contract resolve graphql for it.
            Directory.CreateSymbolicLink(Path.Combine(folder, "node_modules"), Path.Combine(Repo.Contract, "node_modules"));
            var (exit, log) = NodeTool.Run("contract", script, source);
            Assert.True(exit == 0, log);
            Assert.Equal(text, File.ReadAllText(Path.Combine(folder, Contract.SchemaFile)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
