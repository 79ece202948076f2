using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.Delete;

/// <summary>Deletes a VM with its disks once its name was typed to confirm; it leaves the list when its job completes.</summary>
internal sealed class DeleteVmHandler(VmActionQueue queue) : ICommandHandler<DeleteVm, JobAccepted>
{
    public static readonly VmAction Action = new(
        "delete",
        "Delete",
        [VmStates.Running, VmStates.Paused, VmStates.ShutOff, VmStates.Crashed, VmStates.Parked, VmStates.Missing, VmStates.Unknown],
        "It cannot be deleted now.",
        AccessLevel.Manage)
    {
        Summary = "Deletes a vServer with its disks; `confirm` must repeat its name.",
    };

    public async ValueTask<JobAccepted> Handle(DeleteVm command, CancellationToken cancellationToken)
    {
        var (vm, earlier) = await queue.PrepareAsync(Action, command.VmId, command.RequestId, cancellationToken);
        if (earlier is not null)
        {
            return earlier;
        }

        if (!string.Equals(command.ConfirmName?.Trim(), vm!.Name, StringComparison.Ordinal))
        {
            throw new RequestValidationException("confirmName", $"Type the VM's name, '{vm.Name}', to confirm that it and its disks are deleted.");
        }

        var job = queue.Queue(vm, Action, command.RequestId, jobId => new DeleteDomain(jobId, vm.NodeName, vm.Id));
        return new JobAccepted(job.Id, vm.Id, job.Status);
    }
}

/// <summary>A completed delete removes the VM from the list; its cores and addresses go back and its jobs stay in the log.</summary>
internal sealed class DeleteVmCompletion(PortalDbContext db, IVmAddresses addresses, IEnumerable<IVmRemovalParticipant> participants) : IJobCompletion
{
    public IReadOnlyCollection<string> Actions { get; } = [DeleteVmHandler.Action.Name];

    public async Task<bool> SettleAsync(JobEnd end, CancellationToken cancellationToken)
    {
        if (end.Vm is not { } vm || end.Job.Status != JobStatuses.Completed)
        {
            return false;
        }

        db.Remove(vm);
        vm.State = VmStates.Deleted;

        // Its rack server deleted the exports with the disks.
        db.RemoveRange(await db.Set<DiskExportRecord>().Where(e => e.VmId == vm.Id).ToListAsync(cancellationToken));
        await addresses.ReleaseAsync(vm.Id, cancellationToken);
        foreach (var participant in participants)
        {
            await participant.RemoveAsync(vm.Id, cancellationToken);
        }

        return true;
    }
}
