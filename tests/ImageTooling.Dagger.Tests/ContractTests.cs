using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
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
            EnsureValidatorInstalled();
            var (exit, text) = Run("node", [Path.Combine(Repo.Contract, "validate.mjs"), file], Repo.Root);
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

    /// <summary>The validator's one dependency (graphql-js) comes from npm, as locked in tests/contract/package-lock.json.</summary>
    private void EnsureValidatorInstalled()
    {
        if (Directory.Exists(Path.Combine(Repo.Contract, "node_modules", "graphql"))) return;
        var (exit, text) = Run("npm", ["ci", "--prefix", Repo.Contract, "--no-audit", "--no-fund"], Repo.Root);
        output.WriteLine(text);
        Assert.True(exit == 0, $"npm ci --prefix tests/contract failed (exit {exit}):\n{text}");
    }

    private static (int Exit, string Output) Run(string program, IEnumerable<string> args, string directory)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"the contract test needs Node.js and npm on PATH ({program}: {e.Message})", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} did not finish within 5 minutes");
            }
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }
}
