using Mediator;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.Park;

/// <summary>Saves a VM's memory to disk; its cores and RAM go back to the rack server once the job is done (see ADR 0005).</summary>
internal sealed class ParkVmHandler(VmActionQueue queue) : ICommandHandler<ParkVm, JobAccepted>
{
    public static readonly VmAction Action = new("park", "Park", [VmStates.Running, VmStates.Paused], "Only a running or paused VM can be parked.", AccessLevel.Operate)
    {
        Button = 6,
        Command = (vmId, requestId) => new ParkVm(vmId, requestId),
        Summary = "Saves the memory to disk and frees the rack server's RAM and dedicated cores.",
    };

    public ValueTask<JobAccepted> Handle(ParkVm command, CancellationToken cancellationToken) =>
        queue.QueueAsync(Action, command.VmId, command.RequestId, (jobId, vm) => new ParkDomain(jobId, vm.NodeName, vm.Id), cancellationToken);
}
