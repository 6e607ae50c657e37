using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImageTooling.Catalog;

namespace ImageTooling.Dagger.Tests;

/// <summary>
/// The images directory is loaded once and shared by every build of a run. A stand-in session answers each request
/// with the path its query asks for (the host directory slowly), so the test controls who is waiting when.
/// </summary>
public sealed class SharedLoadTests
{
    private sealed class SlowHostSession : HttpMessageHandler
    {
        public int HostLoads;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken));
            var query = body.RootElement.GetProperty("query").GetString()!;
            if (query.Contains("host", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref HostLoads);
                await Task.Delay(500, cancellationToken);
                return Answer(new JsonObject { ["host"] = new JsonObject { ["directory"] = new JsonObject { ["id"] = "dir-1" } } });
            }
            // The answer nests one object per selection of the query, down to its leaf, which gets an ID.
            var fields = query.Split('\n').Skip(1).Select(l => l.Trim())
                .Where(l => l.EndsWith('{') && !l.StartsWith("...", StringComparison.Ordinal)).Select(l => l.Split('(', ' ')[0]).ToList();
            var leaf = query.Split('\n').Select(l => l.Trim()).Last(l => l.Length > 0 && !l.StartsWith('}'));
            JsonNode answer = new JsonObject { [leaf] = "id-1" };
            for (var i = fields.Count - 1; i >= 0; i--) answer = new JsonObject { [fields[i]] = answer };
            return Answer(answer);
        }

        private static HttpResponseMessage Answer(JsonNode data) =>
            new(HttpStatusCode.OK) { Content = new StringContent(new JsonObject { ["data"] = data }.ToJsonString(), Encoding.UTF8, "application/json") };
    }

    [Fact]
    public async Task A_first_caller_that_gives_up_does_not_fail_the_builds_that_wait_for_the_same_load()
    {
        var session = new SlowHostSession();
        using var client = new DaggerClient(new Uri("http://127.0.0.1:1/query"), "token", session);
        var engine = new DaggerEngine(client, Path.Combine(ImageTooling.Testing.TestRepository.Root, "images"));
        var plan = BuildPlan.Create(CatalogLoader.Load(Path.Combine(ImageTooling.Testing.TestRepository.Root, "images")), new PlanOptions { Images = ["buildx"] });
        using var impatient = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var first = engine.BuildAsync(plan.Nodes[0], null, impatient.Token);
        var second = engine.BuildAsync(plan.Nodes[1], null, CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal("id-1", (await second).Handle);
        Assert.Equal(1, session.HostLoads);
    }
}
