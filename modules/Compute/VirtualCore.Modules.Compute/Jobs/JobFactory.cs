using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Live;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Jobs;

/// <summary>Writes a job row for a node command; the dispatcher sends it once the transaction has committed.</summary>
internal sealed class JobFactory(ITenantContext tenant, TimeProvider clock, AfterCommitActions afterCommit, JobDispatchSignal signal, LiveNotifier live)
{
    /// <summary>One job at a time per VM: a second action waits for the first to finish, it never interleaves.</summary>
    public static async Task EnsureNoOpenJobAsync(PortalDbContext db, VirtualMachine vm, CancellationToken cancellationToken)
    {
        if (await db.Set<Job>().AnyAsync(j => j.TargetId == vm.Id && (j.Status == JobStatuses.Queued || j.Status == JobStatuses.Running), cancellationToken))
        {
            throw new ConflictException($"Another job is still running on '{vm.Name}'; wait until it has finished.");
        }
    }

    public Job Create(VirtualMachine vm, string action, Func<Guid, INodeCommand> command)
    {
        var jobId = Guid.NewGuid();
        var message = command(jobId);
        var job = new Job
        {
            Id = jobId,
            ResellerId = vm.ResellerId,
            CustomerId = vm.CustomerId,
            TargetId = vm.Id,
            TargetName = vm.Name,
            Action = action,
            UserName = tenant.UserName,
            NodeName = vm.NodeName,
            Status = JobStatuses.Queued,
            Info = "Waiting for the rack server's agent.",
            QueuedAt = clock.GetUtcNow(),
            CommandName = NodeQueues.NameOf(message),
            CommandJson = JsonSerializer.Serialize(message, message.GetType()),
        };
        afterCommit.Add(async _ =>
        {
            signal.Wake();
            await live.JobChangedAsync(job);
            await live.VmChangedAsync(vm, job.Id);
        });
        return job;
    }
}
