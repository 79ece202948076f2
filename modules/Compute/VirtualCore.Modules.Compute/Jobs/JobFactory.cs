using System.Text.Json;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Jobs;

/// <summary>Writes a job row for a node command; the dispatcher sends it once the transaction has committed.</summary>
internal sealed class JobFactory(ITenantContext tenant, TimeProvider clock, AfterCommitActions afterCommit, JobDispatchSignal signal)
{
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
        afterCommit.Add(_ =>
        {
            signal.Wake();
            return Task.CompletedTask;
        });
        return job;
    }
}
