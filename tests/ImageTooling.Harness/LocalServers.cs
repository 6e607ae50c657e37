using System.Net;
using System.Net.Sockets;
using System.Text;
using ImageTooling.Testing;

namespace ImageTooling.Harness;

/// <summary>Serves a folder over HTTP on 127.0.0.1: the stand-in download server the builds fetch from.</summary>
public sealed class StaticFileServer : IDisposable
{
    private readonly LoopbackServer server;
    private readonly string root;
    private readonly IReadOnlyDictionary<string, byte[]> replaced;
    private int requests;

    /// <param name="replaced">Bodies served instead of the files at these URL paths (a tampered mirror).</param>
    public StaticFileServer(string root, int port, IReadOnlyDictionary<string, byte[]>? replaced = null)
    {
        this.root = Path.GetFullPath(root);
        this.replaced = replaced ?? new Dictionary<string, byte[]>();
        server = new LoopbackServer(ServeAsync, port);
    }

    public string Url => server.Url;
    public int Requests => Volatile.Read(ref requests);

    private async Task ServeAsync(HttpListenerContext context)
    {
        Interlocked.Increment(ref requests);
        using var response = context.Response;
        var urlPath = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath);
        var path = Path.GetFullPath(Path.Combine(root, urlPath.TrimStart('/')));
        if (replaced.TryGetValue(urlPath, out var body) || (path.StartsWith(root, StringComparison.Ordinal) && File.Exists(path)))
        {
            var bytes = body ?? await File.ReadAllBytesAsync(path);
            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes);
        }
        else
        {
            response.StatusCode = 404;
        }
    }

    public void Dispose() => server.Dispose();
}

/// <summary>
/// A TCP proxy in front of the harness registry that can cut every connection: after a given number
/// of manifest uploads it goes down (open connections are reset, new ones refused) until told to
/// come back up. It stands in for a registry that dies in the middle of a release.
/// </summary>
public sealed class FaultProxy : IDisposable
{
    private readonly TcpListener listener;
    private readonly int upstreamPort;
    private readonly List<TcpClient> open = [];
    private volatile bool down;
    private int manifestPuts;

    public FaultProxy(int upstreamPort)
    {
        this.upstreamPort = upstreamPort;
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;
    /// <summary>Go down once this many manifest PUTs have been answered; null never.</summary>
    public int? CutAfterManifestPuts { get; set; }
    public int ManifestPuts => Volatile.Read(ref manifestPuts);
    /// <summary>Hold every manifest PUT this long before passing it on (a slow push, to interrupt one mid-flight); null never.</summary>
    public TimeSpan? HoldManifestPuts { get; set; }
    public bool IsDown => down;

    public void Up() => down = false;

    private void GoDown()
    {
        down = true;
        lock (open)
        {
            foreach (var client in open)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Close();
            }
            open.Clear();
        }
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync();
            }
            catch (Exception)
            {
                return;
            }
            if (down)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Close();
                continue;
            }
            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, upstreamPort);
            lock (open) { open.Add(client); open.Add(upstream); }
            var pendingPut = 0;
            var toServer = Pump(client.GetStream(), upstream.GetStream(), chunk =>
            {
                var text = Encoding.ASCII.GetString(chunk);
                var at = 0;
                while ((at = text.IndexOf("PUT /v2/", at, StringComparison.Ordinal)) >= 0)
                {
                    var end = text.IndexOf('\n', at);
                    if (text[at..(end < 0 ? text.Length : end)].Contains("/manifests/", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref pendingPut);
                        if (HoldManifestPuts is { } hold) Thread.Sleep(hold);
                    }
                    at += 8;
                }
            });
            var toClient = Pump(upstream.GetStream(), client.GetStream(), chunk =>
            {
                if (Volatile.Read(ref pendingPut) == 0 || !Encoding.ASCII.GetString(chunk).StartsWith("HTTP/1.1 201", StringComparison.Ordinal)) return;
                Interlocked.Decrement(ref pendingPut);
                if (Interlocked.Increment(ref manifestPuts) >= CutAfterManifestPuts) _ = Task.Delay(200).ContinueWith(_ => GoDown(), TaskScheduler.Default);
            });
            await Task.WhenAny(toServer, toClient);
        }
        catch (Exception)
        {
            // a cut connection ends here
        }
        finally
        {
            lock (open) { open.Remove(client); open.Remove(upstream); }
            client.Dispose();
        }
    }

    private static async Task Pump(NetworkStream from, NetworkStream to, Action<byte[]> watch)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer)) > 0)
        {
            watch(buffer[..read]);
            await to.WriteAsync(buffer.AsMemory(0, read));
        }
    }

    public void Dispose()
    {
        listener.Stop();
        GoDown();
    }
}
