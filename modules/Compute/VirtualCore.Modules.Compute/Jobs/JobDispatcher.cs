using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
/// goes away.
/// </summary>
internal sealed class JobDispatcher(
    IServiceScopeFactory scopes,
    IBus bus,
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
                await DispatchDueAsync(stoppingToken);
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

    internal async Task<int> DispatchDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = clock.GetUtcNow();
        var silentSince = now - options.Value.RedeliverAfter;
        var due = await db.Set<Job>()
            .Where(j => (j.Status == JobStatuses.Queued || j.Status == JobStatuses.Running)
                && (j.DispatchedAt == null || (j.LastSignalAt ?? j.DispatchedAt) < silentSince))
            .OrderBy(j => j.QueuedAt)
            .Take(100)
            .ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }

        // The jobs are marked as sent before they are sent: an agent can answer within milliseconds, and a mark
        // written after its answer would touch a job that has already ended. A send that fails unmarks the jobs
        // it did not reach, so the next round sends them without waiting for the redelivery time.
        var previous = due.ToDictionary(j => j.Id, j => (j.DispatchedAt, j.LastSignalAt, j.DispatchAttempts));
        foreach (var job in due)
        {
            job.DispatchedAt = now;
            job.LastSignalAt = now;
            job.DispatchAttempts++;
        }

        await db.SaveChangesAsync(cancellationToken);
        for (var i = 0; i < due.Count; i++)
        {
            var job = due[i];
            try
            {
                var type = NodeQueues.CommandTypes[job.CommandName];
                var command = JsonSerializer.Deserialize(job.CommandJson, type)!;
                var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{NodeQueues.For(job.NodeName)}"));
                await endpoint.Send(command, type, cancellationToken);
            }
            catch
            {
                await UnmarkAsync(db, due.Skip(i), previous);
                throw;
            }

            if (job.DispatchAttempts > 1)
            {
                logger.LogWarning("Job {Job} ({Action} {Vm}) heard nothing from {Node}; sent again (attempt {Attempt})", job.Id, job.Action, job.TargetName, job.NodeName, job.DispatchAttempts);
            }
        }

        return due.Count;
    }

    private static async Task UnmarkAsync(PortalDbContext db, IEnumerable<Job> unsent, Dictionary<Guid, (DateTimeOffset? DispatchedAt, DateTimeOffset? LastSignalAt, int Attempts)> previous)
    {
        foreach (var job in unsent)
        {
            (job.DispatchedAt, job.LastSignalAt, job.DispatchAttempts) = previous[job.Id];
        }

        try
        {
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (DbUpdateException)
        {
            // The agent has answered meanwhile, or the database is gone: redelivery covers the rest.
        }
    }
}
