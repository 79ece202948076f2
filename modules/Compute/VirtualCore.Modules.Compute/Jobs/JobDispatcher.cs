using System.Data.Common;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Leadership;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Jobs;

/// <summary>Wakes the dispatcher when a transaction committed new jobs.</summary>
internal sealed class JobDispatchSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Wake()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already awake.
            }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}

public sealed class JobDispatchOptions
{
    /// <summary>How often open jobs are looked at even without a wake-up (another portal instance may have queued them).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>An open job the agent has said nothing about for this long is sent again; agents ignore repeats.</summary>
    public TimeSpan RedeliverAfter { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The outbox: sends the command of every open job that was not sent yet, or whose agent went silent, until the
/// agent answers. Jobs are rows first and messages second, so nothing a user did is lost if the bus or an agent
/// goes away. Every portal instance sends new jobs at once (each job is claimed by one instance in the database);
/// only the leader sends again what went unanswered, so a silent agent gets one repeat, not one per instance.
/// </summary>
internal sealed class JobDispatcher(
    IServiceScopeFactory scopes,
    IBus bus,
    ILeaderLease lease,
    JobDispatchSignal signal,
    IOptions<JobDispatchOptions> options,
    TimeProvider clock,
    ILogger<JobDispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DispatchDueAsync(lease.IsLeader, stoppingToken);
                await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Dispatching jobs failed; retrying");
                await Task.Delay(options.Value.PollInterval, clock, stoppingToken);
            }
        }
    }

    internal async Task<int> DispatchDueAsync(bool redeliver, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = clock.GetUtcNow();
        var silentSince = now - options.Value.RedeliverAfter;
        var due = await db.Set<Job>().AsNoTracking()
            .Where(j => (j.Status == JobStatuses.Queued || j.Status == JobStatuses.Running)
                && (j.DispatchedAt == null || (redeliver && (j.LastSignalAt ?? j.DispatchedAt) < silentSince)))
            .OrderBy(j => j.QueuedAt)
            .Take(100)
            .ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }

        // Claimed before they are sent: an agent can answer within milliseconds, and a mark written after its answer
        // would touch a job that has already ended. New jobs are claimed together in one statement; each is claimed
        // only while it is still unsent, so of two instances reading the same jobs only one claims each. The claim's
        // time is this round's own (a random number of microseconds, which PostgreSQL keeps), so the rows this round claimed are found again
        // when another instance took some of them. Jobs sent before (redelivery) are claimed one by one, conditional
        // on the attempt count read. A send that fails gives its claim back, so the next round sends the job without
        // waiting for the redelivery time.
        var stamp = now.AddTicks(Random.Shared.Next(1, 1000) * TimeSpan.TicksPerMicrosecond);
        var claimed = new List<Job>(due.Count);
        var fresh = due.Where(j => j.DispatchedAt is null).ToList();
        if (fresh.Count > 0)
        {
            var ids = fresh.Select(j => j.Id).ToList();
            var count = await db.Set<Job>()
                .Where(j => ids.Contains(j.Id) && j.DispatchedAt == null && (j.Status == JobStatuses.Queued || j.Status == JobStatuses.Running))
                .ExecuteUpdateAsync(
                    set => set.SetProperty(j => j.DispatchedAt, stamp).SetProperty(j => j.LastSignalAt, stamp).SetProperty(j => j.DispatchAttempts, j => j.DispatchAttempts + 1).SetProperty(j => j.Version, j => j.Version + 1),
                    cancellationToken);
            if (count == fresh.Count)
            {
                claimed.AddRange(fresh);
            }
            else if (count > 0)
            {
                var ours = (await db.Set<Job>().Where(j => ids.Contains(j.Id) && j.DispatchedAt == stamp).Select(j => j.Id).ToListAsync(cancellationToken)).ToHashSet();
                claimed.AddRange(fresh.Where(j => ours.Contains(j.Id)));
            }
        }

        foreach (var job in due.Where(j => j.DispatchedAt is not null))
        {
            var attempts = job.DispatchAttempts;
            var taken = await db.Set<Job>()
                .Where(j => j.Id == job.Id && j.DispatchAttempts == attempts && (j.Status == JobStatuses.Queued || j.Status == JobStatuses.Running))
                .ExecuteUpdateAsync(
                    set => set.SetProperty(j => j.DispatchedAt, stamp).SetProperty(j => j.LastSignalAt, stamp).SetProperty(j => j.DispatchAttempts, attempts + 1).SetProperty(j => j.Version, j => j.Version + 1),
                    cancellationToken);
            if (taken == 1)
            {
                claimed.Add(job);
                logger.LogWarning("Job {Job} ({Action} {Vm}) heard nothing from {Node}; sent again (attempt {Attempt})", job.Id, job.Action, job.TargetName, job.NodeName, attempts + 1);
            }
        }

        // Sent together: over RabbitMQ each send waits for the broker's confirmation, so one after the other would
        // make every job of the round wait for all confirmations before it.
        var sends = claimed.Select(job => SendAsync(job, cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(sends);
        }
        catch
        {
            foreach (var (job, send) in claimed.Zip(sends).Where(p => !p.Second.IsCompletedSuccessfully))
            {
                await GiveBackAsync(db, job);
            }

            throw;
        }

        return claimed.Count;
    }

    private async Task SendAsync(Job job, CancellationToken cancellationToken)
    {
        var type = NodeQueues.CommandTypes[job.CommandName];
        var command = JsonSerializer.Deserialize(job.CommandJson, type)!;
        var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{NodeQueues.For(job.NodeName)}"));
        await endpoint.Send(command, type, cancellationToken);
    }

    private static async Task GiveBackAsync(PortalDbContext db, Job job)
    {
        try
        {
            await db.Set<Job>()
                .Where(j => j.Id == job.Id && j.DispatchAttempts == job.DispatchAttempts + 1 && (j.Status == JobStatuses.Queued || j.Status == JobStatuses.Running))
                .ExecuteUpdateAsync(
                    set => set.SetProperty(j => j.DispatchedAt, job.DispatchedAt).SetProperty(j => j.LastSignalAt, job.LastSignalAt).SetProperty(j => j.DispatchAttempts, job.DispatchAttempts).SetProperty(j => j.Version, j => j.Version + 1),
                    CancellationToken.None);
        }
        catch (DbException)
        {
            // The database is gone: the leader's redelivery sends the job once the agent's silence has lasted long enough.
        }
    }
}
