using Medallion.Threading;
using Medallion.Threading.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace VirtualCore.Framework.Leadership;

/// <summary>
/// Whether this portal instance holds the leader lease. Duties that must run on one instance at a time (job
/// redelivery; later invoice runs and failover decisions) run only while <see cref="IsLeader"/> is true.
/// </summary>
public interface ILeaderLease
{
    bool IsLeader { get; }
}

public sealed class LeaderOptions
{
    public const string Section = "Leader";

    /// <summary>The name of the lease in the database; instances of one installation share it.</summary>
    public string LeaseName { get; set; } = "vcore-leader";

    /// <summary>How often an instance without the lease tries to take it.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the holder checks that its database session, and with it the lease, still stands.</summary>
    public TimeSpan KeepaliveInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Takes the leader lease and keeps it while the process lives. On PostgreSQL the lease is a session-level advisory
/// lock (DistributedLock.Postgres) on a connection of the lease's own: the database releases it the moment that session
/// ends — a killed instance's at once — and another instance takes it at its next try. The holder asks its session
/// every <see cref="LeaderOptions.KeepaliveInterval"/> whether it still stands, and stops leading when it does not
/// (a cut network, a restarted database), since by then another instance may hold the lease. On SQLite the single
/// portal process is the leader.
/// </summary>
internal sealed class LeaderElection(string? postgresConnectionString, LeaderOptions options, TimeProvider clock, ILogger<LeaderElection> logger)
    : BackgroundService, ILeaderLease
{
    private volatile CancellationTokenSource? _leadership;

    public bool IsLeader => postgresConnectionString is null || _leadership is { IsCancellationRequested: false };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (postgresConnectionString is null)
        {
            return;
        }

        var key = new PostgresAdvisoryLockKey(options.LeaseName, allowHashing: true);
        while (!stoppingToken.IsCancellationRequested)
        {
            await using var connection = new NpgsqlConnection(postgresConnectionString);
            IDistributedSynchronizationHandle? handle = null;
            try
            {
                await connection.OpenAsync(stoppingToken);
                handle = await new PostgresDistributedLock(key, connection).TryAcquireAsync(TimeSpan.Zero, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not try for the leader lease '{Lease}'", options.LeaseName);
            }

            if (handle is null)
            {
                await Task.Delay(options.RetryInterval, clock, stoppingToken);
                continue;
            }

            using var leadership = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            _leadership = leadership;
            logger.LogInformation("This instance ({Instance}) now holds the leader lease '{Lease}'", Environment.MachineName + ":" + Environment.ProcessId, options.LeaseName);
            await KeepAsync(connection, stoppingToken);
            await leadership.CancelAsync();
            _leadership = null;
            try
            {
                await handle.DisposeAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // The session is gone, and the lock with it.
            }

            if (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Lost the leader lease '{Lease}': its database session ended. Trying to take it again.", options.LeaseName);
            }
        }
    }

    /// <summary>Returns when the lease's session no longer answers, or when the process stops.</summary>
    private async Task KeepAsync(NpgsqlConnection connection, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.KeepaliveInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await using var ping = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = Math.Max(1, (int)options.KeepaliveInterval.TotalSeconds) };
                await ping.ExecuteScalarAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            logger.LogDebug(ex, "The leader lease's database session ended");
        }
    }
}

public static class LeadershipServiceCollectionExtensions
{
    /// <summary>The leader lease: a PostgreSQL advisory lock when <paramref name="postgresConnectionString"/> is given, else this process.</summary>
    public static IServiceCollection AddLeaderLease(this IServiceCollection services, IConfiguration configuration, string? postgresConnectionString)
    {
        var options = configuration.GetSection(LeaderOptions.Section).Get<LeaderOptions>() ?? new LeaderOptions();
        services.AddSingleton(options);
        services.AddSingleton(sp => new LeaderElection(
            postgresConnectionString,
            options,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LeaderElection>>()));
        services.AddSingleton<ILeaderLease>(sp => sp.GetRequiredService<LeaderElection>());
        services.AddHostedService(sp => sp.GetRequiredService<LeaderElection>());
        return services;
    }
}
