using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace VirtualCore.Framework.Leadership;

/// <summary>
/// A duty that runs every <see cref="Interval"/> on the leader only (rollups, alert evaluation, notifications), each round
/// in a scope of its own; a failed round is logged and the next one tries again. A zero interval never runs.
/// </summary>
public abstract class LeaderTimer(IServiceScopeFactory scopes, ILeaderLease lease, TimeProvider clock, ILogger logger) : BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    /// <summary>What the duty is, for the log: "roll up usage history".</summary>
    protected abstract string Duty { get; }

    protected TimeProvider Clock => clock;

    protected abstract Task RunAsync(IServiceProvider services, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (!lease.IsLeader)
            {
                continue;
            }

            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await RunAsync(scope.ServiceProvider, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not {Duty}", Duty);
            }
        }
    }
}
