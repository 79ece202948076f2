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
        foreach (var job in due)
        {
            var type = NodeQueues.CommandTypes[job.CommandName];
            var command = JsonSerializer.Deserialize(job.CommandJson, type)!;
            var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{NodeQueues.For(job.NodeName)}"));
            await endpoint.Send(command, type, cancellationToken);
            if (job.DispatchedAt is not null)
            {
                logger.LogWarning("Job {Job} ({Action} {Vm}) heard nothing from {Node}; sent again (attempt {Attempt})", job.Id, job.Action, job.TargetName, job.NodeName, job.DispatchAttempts + 1);
            }

            job.DispatchedAt = now;
            job.LastSignalAt = now;
            job.DispatchAttempts++;
            await db.SaveChangesAsync(cancellationToken);
        }

        return due.Count;
    }
}
