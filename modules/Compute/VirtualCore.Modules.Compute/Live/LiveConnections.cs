using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Security;

namespace VirtualCore.Modules.Compute.Live;

/// <summary>The live connections of this portal instance, so that one whose session ended can be closed.</summary>
internal sealed class LiveConnections
{
    private readonly ConcurrentDictionary<string, HubCallerContext> _connections = new();

    public void Add(HubCallerContext context) => _connections[context.ConnectionId] = context;

    public void Remove(string connectionId) => _connections.TryRemove(connectionId, out _);

    public ICollection<HubCallerContext> All => _connections.Values;
}

/// <summary>
/// Closes every live connection whose principal no longer stands (user disabled, credentials or role changed,
/// session signed out, token revoked) within about a second: a live page hears nothing more once its session ended.
/// </summary>
internal sealed class LiveConnectionSweeper(LiveConnections connections, ISessionValidator sessions, TimeProvider clock, ILogger<LiveConnectionSweeper> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var connection in connections.All)
            {
                try
                {
                    if (connection.User is not { } user || !await sessions.IsCurrentAsync(user, stoppingToken))
                    {
                        logger.LogInformation("Closing live connection {Connection} of {User}: its session ended.", connection.ConnectionId, connection.User?.Identity?.Name);
                        connections.Remove(connection.ConnectionId);
                        connection.Abort();
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Could not check live connection {Connection}.", connection.ConnectionId);
                }
            }
        }
    }
}
