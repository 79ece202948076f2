using System.Net.WebSockets;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Features.Console;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Web;

/// <summary>
/// The console's two WebSockets: the browser's (RFB relayed to the VM's screen) and the one a node agent on another
/// host dials in on to deliver that screen. The browser's opens only with a fresh ticket of the same user, VM and host
/// name, from a page of the same origin (a cross-site page cannot hijack it with the user's cookie), and closes when
/// the user may no longer operate the VM.
/// </summary>
internal static class ConsoleEndpoints
{
    /// <summary>Close status sent when the user lost the right to the console while it was open.</summary>
    public const WebSocketCloseStatus AccessEnded = (WebSocketCloseStatus)4403;

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/vms/{vmId:guid}/console/socket", BrowserAsync).RequireAuthorization().RequireScope(ApiScopes.Operate).ExcludeFromDescription();
        endpoints.MapGet("/agent/console/{sessionId:guid}", AgentAsync).AllowAnonymous().ExcludeFromDescription();
    }

    private static async Task BrowserAsync(Guid vmId, string? ticket, HttpContext http)
    {
        var services = http.RequestServices;

        // First the rights, as for every request about a VM: one the caller cannot see is not found. A ticket was good
        // when issued; the rights must still be.
        try
        {
            await services.GetRequiredService<IVmGuard>().EnsureAsync(vmId, AccessLevel.Operate, http.RequestAborted);
        }
        catch (Exception e) when (e is NotFoundException or ForbiddenException)
        {
            await Problem(http, e is NotFoundException ? StatusCodes.Status404NotFound : StatusCodes.Status403Forbidden, e.Message);
            return;
        }

        if (!http.WebSockets.IsWebSocketRequest)
        {
            await Problem(http, StatusCodes.Status400BadRequest, "Open the console with a WebSocket.");
            return;
        }

        // Same origin only: a WebSocket is not bound by CORS, and a browser sends the user's cookie from any site.
        if (!SameOrigin(http))
        {
            await Problem(http, StatusCodes.Status403Forbidden, "The console opens only from this portal's own pages.");
            return;
        }

        var tenant = services.GetRequiredService<ITenantContext>();
        var clock = services.GetRequiredService<TimeProvider>();
        var db = services.GetRequiredService<PortalDbContext>();
        var now = clock.GetUtcNow();
        var hash = ConsoleTickets.Hash(ticket ?? "");
        var host = http.Request.Host.Value ?? "";
        var redeemed = string.IsNullOrEmpty(ticket) ? 0 : await db.Set<ConsoleTicket>()
            .Where(t => t.SecretHash == hash && t.VmId == vmId && t.Host == host && t.UserId == tenant.UserId
                && t.RedeemedAt == null && t.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RedeemedAt, now), http.RequestAborted);
        var kind = redeemed == 1
            ? await db.Set<ConsoleTicket>().AsNoTracking().Where(t => t.SecretHash == hash).Select(t => t.Kind).SingleAsync(http.RequestAborted)
            : "";
        if (redeemed != 1)
        {
            await Problem(http, StatusCodes.Status403Forbidden, "This console ticket is unknown, used, expired, or not yours: open the console again.");
            return;
        }

        var node = await db.Set<VirtualMachine>().AsNoTracking().Where(v => v.Id == vmId).Select(v => v.NodeName).SingleAsync(http.RequestAborted);
        Stream screen;
        try
        {
            screen = await OpenScreenAsync(services, node, vmId, kind, http.RequestAborted);
        }
        catch (ConsoleRefusedException refused)
        {
            await Problem(http, StatusCodes.Status409Conflict, refused.Message);
            return;
        }
        catch (TimeoutException)
        {
            await Problem(http, StatusCodes.Status504GatewayTimeout, "The rack server did not connect the console in time; try again.");
            return;
        }

        await using (screen)
        {
            var subProtocol = http.WebSockets.WebSocketRequestedProtocols.Contains("binary") ? "binary" : null;
            using var socket = await http.WebSockets.AcceptWebSocketAsync(subProtocol);
            await RelayAsync(http, socket, screen, vmId);
        }
    }

    private static Task<Stream> OpenScreenAsync(IServiceProvider services, string node, Guid vmId, string kind, CancellationToken cancellationToken) =>
        OpenAgentStreamAsync(services, node, (session, secret, callback, expires) => new OpenConsole(session, node, vmId, secret, callback, expires, kind), cancellationToken);

    /// <summary>
    /// Asks <paramref name="node"/>'s agent for a stream (a console, an export's bytes) with the message
    /// <paramref name="request"/> makes from the session's id, secret, callback address and expiry, and waits for the
    /// agent to deliver it (<see cref="ConsoleRefusedException"/> when it refuses, <see cref="TimeoutException"/> when it
    /// does not answer in time).
    /// </summary>
    internal static async Task<Stream> OpenAgentStreamAsync(
        IServiceProvider services, string node, Func<Guid, string, string?, DateTimeOffset, object> request, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<ConsoleOptions>>().Value;
        var rendezvous = services.GetRequiredService<ConsoleRendezvous>();
        var pending = rendezvous.Expect();
        try
        {
            var callback = string.IsNullOrWhiteSpace(options.AgentCallbackUrl)
                ? null
                : $"{options.AgentCallbackUrl.TrimEnd('/')}/agent/console/{pending.SessionId}";
            var endpoint = await services.GetRequiredService<IBus>().GetSendEndpoint(new Uri($"queue:{NodeQueues.For(node)}"));
            await endpoint.Send(request(pending.SessionId, pending.Secret, callback, DateTimeOffset.UtcNow + options.OpenTimeout), cancellationToken);
            return await pending.Screen.WaitAsync(options.OpenTimeout, cancellationToken);
        }
        finally
        {
            rendezvous.Forget(pending);
        }
    }

    /// <summary>Copies both ways until either side ends, and ends the console when the user's right to it does.</summary>
    private static async Task RelayAsync(HttpContext http, WebSocket socket, Stream screen, Guid vmId)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<ConsoleOptions>>().Value;
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("VirtualCore.Console");
        await using var browser = WebSocketStream.Create(socket, WebSocketMessageType.Binary, ownsWebSocket: false);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var down = CopyAsync(screen, browser, ended);
        var up = CopyAsync(browser, screen, ended);
        var watch = WatchAccessAsync(http, vmId, options.AccessCheckInterval, ended.Token);
        var first = await Task.WhenAny(down, up, watch);
        await ended.CancelAsync();

        // A stream that cannot cancel a read (libvirt's) ends only when closed: close the screen before waiting.
        await screen.DisposeAsync();
        await Task.WhenAll(down, up);
        var revoked = first == watch && await watch;
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await socket.CloseAsync(
                    revoked ? AccessEnded : WebSocketCloseStatus.NormalClosure,
                    revoked ? "You may no longer operate this VM." : "The console was closed.",
                    closing.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
            {
                // The browser went first.
            }
        }

        if (revoked)
        {
            logger.LogInformation("Console of {VmId} closed: its user may no longer operate it", vmId);
        }
    }

    /// <summary>True once the user's session ended or its right to operate the VM is gone; false when the console ended first.</summary>
    private static async Task<bool> WatchAccessAsync(HttpContext http, Guid vmId, TimeSpan interval, CancellationToken cancellationToken)
    {
        var clock = http.RequestServices.GetRequiredService<TimeProvider>();
        var scopes = http.RequestServices.GetRequiredService<IServiceScopeFactory>();
        try
        {
            while (true)
            {
                await Task.Delay(interval, clock, cancellationToken);
                await using var scope = scopes.CreateAsyncScope();
                if (scope.ServiceProvider.GetService<ISessionValidator>() is { } sessions && !await sessions.IsCurrentAsync(http.User, cancellationToken))
                {
                    return true;
                }

                try
                {
                    await scope.ServiceProvider.GetRequiredService<IVmGuard>().EnsureAsync(vmId, AccessLevel.Operate, cancellationToken);
                }
                catch (Exception e) when (e is NotFoundException or ForbiddenException)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task AgentAsync(Guid sessionId, HttpContext http)
    {
        var rendezvous = http.RequestServices.GetRequiredService<ConsoleRendezvous>();
        var secret = http.Request.Headers[NodeAgentHeaders.Secret].ToString();
        var refusal = http.Request.Headers[NodeAgentHeaders.Refusal].ToString();
        if (!http.WebSockets.IsWebSocketRequest || secret.Length == 0)
        {
            // Only an agent with a waiting session's secret finds anything here.
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        // Nothing is accepted before the secret is checked; an unknown session or a wrong secret learns nothing more.
        if (rendezvous.Claim(sessionId, secret) is not { } pending)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (refusal.Length > 0)
        {
            var reason = Uri.UnescapeDataString(refusal);
            pending.Refuse(reason.Length > 300 ? reason[..300] : reason);
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var screen = new ScreenStream(WebSocketStream.Create(socket, WebSocketMessageType.Binary, ownsWebSocket: false), ended);
        if (!pending.Deliver(screen))
        {
            await screen.DisposeAsync();
            return;
        }

        // The request lives as long as the console: the browser's side disposes the screen when it ends.
        try
        {
            await ended.Task.WaitAsync(http.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The agent hung up.
        }
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationTokenSource ended)
    {
        try
        {
            await from.CopyToAsync(to, 64 * 1024, ended.Token);
        }
        catch (Exception e) when (e is IOException or WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // One side closed: the console is over.
        }
        finally
        {
            await ended.CancelAsync();
        }
    }

    private static bool SameOrigin(HttpContext http) =>
        Uri.TryCreate(http.Request.Headers.Origin.ToString(), UriKind.Absolute, out var origin)
        && string.Equals(origin.Scheme, http.Request.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(origin.Authority, http.Request.Host.Value, StringComparison.OrdinalIgnoreCase);

    private static async Task Problem(HttpContext http, int status, string detail)
    {
        http.Response.StatusCode = status;
        await Results.Problem(detail: detail, statusCode: status).ExecuteAsync(http);
    }
}

/// <summary>A screen delivered over an agent's WebSocket; disposing it lets that WebSocket's request end.</summary>
internal sealed class ScreenStream(Stream inner, TaskCompletionSource ended) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            ended.TrySetResult();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        ended.TrySetResult();
        await base.DisposeAsync();
    }
}

/// <summary>The headers an agent's console uplink sends (the same names as the node agent's <c>WebSocketConsoleUplink</c>).</summary>
internal static class NodeAgentHeaders
{
    public const string Secret = "X-Console-Secret";
    public const string Refusal = "X-Console-Refusal";
}
