using System.Net.WebSockets;
using MassTransit;
using Microsoft.Extensions.Logging;
using VirtualCore.Node.Contracts.V1;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.NodeAgent;

/// <summary>One stream a portal instance waits for: the session, the secret that proves it, and where to dial in.</summary>
/// <param name="Download">For a download (an export's bytes): at most this many bytes go to the portal and nothing comes
/// back; null for a console, whose bytes go both ways until either side ends.</param>
public sealed record StreamSession(Guid SessionId, string Secret, string? CallbackUrl, long? Download = null)
{
    public static StreamSession Of(OpenConsole request) => new(request.SessionId, request.Secret, request.CallbackUrl);

    public static StreamSession Of(ReadDiskExport request) =>
        new(request.SessionId, request.Secret, request.CallbackUrl, request.Length ?? long.MaxValue);
}

/// <summary>
/// How an agent hands a stream to the portal instance that asked for it: a VM's screen or serial port
/// (<see cref="OpenConsole"/>), or a disk export's bytes (<see cref="ReadDiskExport"/>).
/// </summary>
public interface IConsoleUplink
{
    /// <summary>Connects <paramref name="console"/> to the session and takes the stream over: an uplink that relays returns when the session has ended, one that hands the stream on returns at once.</summary>
    Task ConnectAsync(StreamSession session, Stream console, CancellationToken cancellationToken);

    /// <summary>Tells the session's portal instance why there is no stream (the VM is off, the adapter has no console…).</summary>
    Task RefuseAsync(StreamSession session, string reason, CancellationToken cancellationToken);
}

/// <summary>
/// The uplink of an agent on its own host: it dials out to the portal instance's callback WebSocket (the portal never
/// connects to a rack server), proves the session with its secret, and copies bytes both ways until either side ends.
/// </summary>
public sealed class WebSocketConsoleUplink : IConsoleUplink
{
    /// <summary>The header that carries the session's secret.</summary>
    public const string SecretHeader = "X-Console-Secret";

    /// <summary>The header that carries a refusal's reason instead of a screen.</summary>
    public const string RefusalHeader = "X-Console-Refusal";

    public async Task ConnectAsync(StreamSession session, Stream console, CancellationToken cancellationToken)
    {
        await using (console.ConfigureAwait(false))
        {
            using var socket = await DialAsync(session, null, cancellationToken).ConfigureAwait(false);
            await using var uplink = WebSocketStream.Create(socket, WebSocketMessageType.Binary, ownsWebSocket: false);
            if (session.Download is { } limit)
            {
                await SendAsync(console, socket, uplink, limit, cancellationToken).ConfigureAwait(false);
                return;
            }

            using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var down = CopyAsync(console, uplink, ended);
            var up = CopyAsync(uplink, console, ended);
            await Task.WhenAny(down, up).ConfigureAwait(false);
            await ended.CancelAsync().ConfigureAwait(false);

            // A console whose reads cannot be cancelled (libvirt's serial stream) ends only when closed.
            await console.DisposeAsync().ConfigureAwait(false);
            await Task.WhenAll(down, up).ConfigureAwait(false);
            if (socket.State == WebSocketState.Open)
            {
                using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "console closed", closing.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is WebSocketException or OperationCanceledException)
                {
                    // The portal went first.
                }
            }
        }
    }

    /// <summary>
    /// Sends up to <paramref name="limit"/> bytes and closes the WebSocket gracefully, so the portal reads every byte
    /// before the end (cancelling a pending receive would abort the socket and could lose what is still in flight).
    /// </summary>
    private static async Task SendAsync(Stream download, WebSocket socket, Stream uplink, long limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[256 * 1024];
        try
        {
            var left = limit;
            int read;
            while (left > 0 && (read = await download.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await uplink.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                left -= read;
            }

            using var closing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            closing.CancelAfter(TimeSpan.FromSeconds(30));
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "end", closing.Token).ConfigureAwait(false);
            while (socket.State == WebSocketState.CloseSent)
            {
                // The portal answers the close once it has read everything.
                await socket.ReceiveAsync(buffer, closing.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or WebSocketException or OperationCanceledException)
        {
            // The portal hung up: it had what it needed, or its client went away.
        }
    }

    public async Task RefuseAsync(StreamSession session, string reason, CancellationToken cancellationToken)
    {
        using var socket = await DialAsync(session, reason, cancellationToken).ConfigureAwait(false);
        using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "refused", closing.Token).ConfigureAwait(false);
    }

    private static async Task<ClientWebSocket> DialAsync(StreamSession request, string? refusal, CancellationToken cancellationToken)
    {
        if (request.CallbackUrl is null || !Uri.TryCreate(request.CallbackUrl, UriKind.Absolute, out var url) || url.Scheme is not ("ws" or "wss"))
        {
            throw new InvalidOperationException("The portal gave no ws:// or wss:// address to connect the console to; set Console:AgentCallbackUrl on the portal.");
        }

        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader(SecretHeader, request.Secret);
        if (refusal is not null)
        {
            socket.Options.SetRequestHeader(RefusalHeader, Uri.EscapeDataString(refusal));
        }

        try
        {
            await socket.ConnectAsync(url, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationTokenSource ended)
    {
        try
        {
            await from.CopyToAsync(to, 64 * 1024, ended.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or WebSocketException or OperationCanceledException or ObjectDisposedException or NotSupportedException)
        {
            // One side closed (or wrote to a stream that is only read, as an export's): the session is over.
        }
        finally
        {
            await ended.CancelAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>One stream session of an agent: open the stream through the adapter, then connect it, or tell the portal why not.</summary>
internal static class StreamSessions
{
    /// <summary>
    /// Starts a session the portal asked this node for, unless the request names another node or has expired (a request
    /// that waited in the queue longer than its ticket is dropped). The session outlives the message: it runs beside
    /// the agent's commands and ends with the agent.
    /// </summary>
    public static Task StartAsync(
        NodeAgent agent, string nodeName, DateTimeOffset expiresAt, StreamSession session, Func<CancellationToken, Task<Stream>> open, Func<Exception, string?> reasonFor, string what)
    {
        if (nodeName == agent.NodeName && expiresAt >= DateTimeOffset.UtcNow)
        {
            agent.TrackConsole(RunAsync(agent, session, open, reasonFor, what, agent.ConsoleStopping));
        }

        return Task.CompletedTask;
    }

    /// <param name="reasonFor">The words for the user when opening failed with this exception; null for an exception that is not a refusal.</param>
    /// <param name="what">What is streamed, for the log ("the console of …").</param>
    private static async Task RunAsync(
        NodeAgent agent, StreamSession session, Func<CancellationToken, Task<Stream>> open, Func<Exception, string?> reasonFor, string what, CancellationToken stopping)
    {
        Stream stream;
        try
        {
            stream = await open(stopping);
        }
        catch (Exception e) when (reasonFor(e) is { } reason)
        {
            agent.Logger.LogInformation(e, "{What} on {Node} refused: {Reason}", what, agent.NodeName, reason);
            try
            {
                await agent.ConsoleUplink.RefuseAsync(session, reason, stopping);
            }
            catch (Exception refusal) when (refusal is WebSocketException or InvalidOperationException or OperationCanceledException)
            {
                agent.Logger.LogWarning(refusal, "Could not tell the portal that {What} was refused", what);
            }

            return;
        }

        try
        {
            await agent.ConsoleUplink.ConnectAsync(session, stream, stopping);
        }
        catch (Exception e) when (e is WebSocketException or InvalidOperationException or OperationCanceledException or IOException)
        {
            agent.Logger.LogWarning(e, "Session {Session} of {What} ended with an error", session.SessionId, what);
        }
    }
}

/// <summary>Opens a VM's screen for the portal: not a job, so it neither waits for the VM's lock nor reports.</summary>
internal sealed class ConsoleConsumer(NodeAgent agent) : IConsumer<OpenConsole>
{
    public Task Consume(ConsumeContext<OpenConsole> context)
    {
        var request = context.Message;
        return StreamSessions.StartAsync(
            agent,
            request.NodeName,
            request.ExpiresAt,
            StreamSession.Of(request),
            ct => request.Kind == "serial" ? agent.Adapter.OpenSerialConsoleAsync(request.VmId, ct) : agent.Adapter.OpenConsoleAsync(request.VmId, ct),
            e => e switch
            {
                HypervisorAdapterException { Code: AdapterErrorCode.NotSupported } => "This rack server offers no console.",
                HypervisorAdapterException { Code: AdapterErrorCode.InvalidState } => "The VM is not running: start it to see its screen.",
                HypervisorAdapterException or InvalidOperationException => "The rack server could not open the console.",
                _ => null,
            },
            $"the console of {request.VmId}");
    }
}

/// <summary>Streams a disk export's bytes to the portal for one download: not a job, so it neither waits for the VM's lock nor reports.</summary>
internal sealed class DiskExportReader(NodeAgent agent) : IConsumer<ReadDiskExport>
{
    public Task Consume(ConsumeContext<ReadDiskExport> context)
    {
        var request = context.Message;
        return StreamSessions.StartAsync(
            agent,
            request.NodeName,
            request.ExpiresAt,
            StreamSession.Of(request),
            ct => agent.Adapter.OpenDiskExportAsync(request.VmId, request.ExportId, request.Offset, ct),
            e => e switch
            {
                HypervisorAdapterException { Code: AdapterErrorCode.DiskExportNotFound } => "The export is no longer on the rack server.",
                HypervisorAdapterException { Code: AdapterErrorCode.NotSupported } => "This rack server cannot export disks.",
                HypervisorAdapterException { Code: AdapterErrorCode.InvalidSpec } => "The requested range is outside the export.",
                HypervisorAdapterException => "The rack server could not read the export.",
                _ => null,
            },
            $"export {request.ExportId} of {request.VmId}");
    }
}
