using Mediator;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.Pause;

/// <summary>Stops the vCPUs of a running VM; its memory stays.</summary>
internal sealed class PauseVmHandler(VmActionQueue queue) : ICommandHandler<PauseVm, JobAccepted>
{
    public static readonly VmAction Action = new("pause", "Pause", [VmStates.Running], "Only a running VM can be paused.", AccessLevel.Operate)
    {
        Button = 4,
        Command = (vmId, requestId) => new PauseVm(vmId, requestId),
        Summary = "Pauses a running vServer; its memory stays.",
    };

    public ValueTask<JobAccepted> Handle(PauseVm command, CancellationToken cancellationToken) =>
        queue.QueueAsync(Action, command.VmId, command.RequestId, (jobId, vm) => new PauseDomain(jobId, vm.NodeName, vm.Id), cancellationToken);
}
