using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using VirtualCore.Framework.Webhooks;

namespace VirtualCore.Portal.Tests;

/// <summary>A real HTTP receiver on loopback that keeps what it is sent; <see cref="Answer"/> decides each status code.</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<Received> _taken = new();
    private int _calls;

    public WebhookReceiver()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Url(string path = "hook") => $"http://127.0.0.1:{Port}/{path}";

    /// <summary>The status to answer the n-th request (from 1) with; 200 unless set.</summary>
    public Func<int, int> Answer { get; set; } = _ => 200;

    /// <summary>Every request answered with a 2xx, in the order they came.</summary>
    public IReadOnlyList<Received> Taken => [.. _taken];

    /// <summary>How many requests came, taken or not.</summary>
    public int Calls => Volatile.Read(ref _calls);

    public Task<IReadOnlyList<Received>> WaitForAsync(Func<IReadOnlyList<Received>, bool> done) =>
        Api.WaitUntilAsync(() => Task.FromResult(Taken), done);

    public void Dispose() => _listener.Close();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var status = Answer(Interlocked.Increment(ref _calls));
            if (status < 300)
            {
                var h = context.Request.Headers;
                _taken.Enqueue(new Received(context.Request.Url!.AbsolutePath, h[WebhookSignature.Header] ?? "", h["VirtualCore-Event"] ?? "", h["VirtualCore-Event-Id"] ?? "", h["VirtualCore-Delivery"] ?? "", body));
            }

            context.Response.StatusCode = status;
            context.Response.Close();
        }
    }

    /// <param name="Path">The URL's path it came to.</param>
    /// <param name="Signature">The VirtualCore-Signature header.</param>
    /// <param name="Event">The VirtualCore-Event header.</param>
    /// <param name="EventId">The VirtualCore-Event-Id header.</param>
    /// <param name="Delivery">The VirtualCore-Delivery header.</param>
    /// <param name="Body">The JSON body.</param>
    public sealed record Received(string Path, string Signature, string Event, string EventId, string Delivery, string Body);
}
