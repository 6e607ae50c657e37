using System.Net;
using System.Net.Sockets;

namespace ImageTooling.Testing;

/// <summary>
/// A plain-HTTP server on 127.0.0.1 for tests: every request goes to <c>handle</c> on the thread pool
/// until the server is disposed. Without a port it takes a free one.
/// </summary>
public sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task serving;

    public LoopbackServer(Func<HttpListenerContext, Task> handle, int? port = null)
    {
        Port = port ?? FreePort();
        listener.Prefixes.Add($"{Url}/");
        listener.Start();
        serving = Task.Run(() => ServeAsync(handle));
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task ServeAsync(Func<HttpListenerContext, Task> handle)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => handle(context));
        }
    }

    public void Dispose()
    {
        listener.Close();
        try
        {
            serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }
}
