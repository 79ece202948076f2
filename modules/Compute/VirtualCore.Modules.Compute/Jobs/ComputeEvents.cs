using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using VirtualCore.Framework.Events;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Live;

namespace VirtualCore.Modules.Compute.Jobs;

/// <summary>
/// Jobs that end and VMs whose state changes, wherever in Compute it happens (an agent's report, the reconciliation of a
/// heartbeat, a timeout, a refusal), as events for webhooks.
/// </summary>
internal sealed class ComputeEvents : ITenantEventSource
{
    public const string JobCompleted = "job.completed";
    public const string JobFailed = "job.failed";
    public const string VmStateChanged = "vm.state-changed";

    public static readonly TenantEventType[] Types =
    [
        new(JobCompleted, "A job (create, start, shut down, migrate, recovery point …) completed; data.job is the job log's row."),
        new(JobFailed, "A job failed; data.job.info says why."),
        new(VmStateChanged, "A VM's state changed (running, shut-off, paused, crashed, parked …), by a job or outside the portal; data has the state before and after."),
    ];

    public void Collect(ChangeTracker changes, ICollection<TenantEvent> events)
    {
        foreach (var entry in changes.Entries<Job>())
        {
            var job = entry.Entity;
            var ended = job.Status is JobStatuses.Completed or JobStatuses.Failed
                && (entry.State == EntityState.Added || (entry.State == EntityState.Modified && entry.Property(j => j.Status).OriginalValue != job.Status));
            if (ended)
            {
                var type = job.Status == JobStatuses.Completed ? JobCompleted : JobFailed;
                events.Add(new TenantEvent(
                    TenantEvent.IdOf($"{type}:{job.Id:N}"), type, job.ResellerId, job.CustomerId, job.EndedAt ?? job.QueuedAt, new { job = Views.Of(job) }));
            }
        }

        foreach (var entry in changes.Entries<VirtualMachine>())
        {
            var vm = entry.Entity;
            if (entry.State != EntityState.Modified || entry.Property(v => v.State).OriginalValue is not { } before || before == vm.State)
            {
                continue;
            }

            events.Add(new TenantEvent(
                TenantEvent.IdOf($"{VmStateChanged}:{vm.Id:N}:{vm.State}:{vm.StateChangedAt.UtcTicks}"),
                VmStateChanged,
                vm.ResellerId,
                vm.CustomerId,
                vm.StateChangedAt,
                new { vm = new { id = vm.Id, name = vm.Name, state = vm.State, previousState = before, nodeName = vm.NodeName } }));
        }
    }
}
