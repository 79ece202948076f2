using Mediator;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.PowerOff;

/// <summary>Cuts the power of a VM that runs, is paused, shuts down or crashed.</summary>
internal sealed class PowerOffVmHandler(VmActionQueue queue) : ICommandHandler<PowerOffVm, JobAccepted>
{
    public static readonly VmAction Action = new("power-off", "Power off", [VmStates.Running, VmStates.Paused, VmStates.ShuttingDown, VmStates.Crashed], "It is not running.", AccessLevel.Operate)
    {
        Style = "btn-danger",
        Button = 9,
        Command = (vmId, requestId) => new PowerOffVm(vmId, requestId),
        Summary = "Cuts the power of a vServer.",
    };

    public ValueTask<JobAccepted> Handle(PowerOffVm command, CancellationToken cancellationToken) =>
        queue.QueueAsync(Action, command.VmId, command.RequestId, (jobId, vm) => new PowerOffDomain(jobId, vm.NodeName, vm.Id), cancellationToken);
}
