using Mediator;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.Reset;

/// <summary>Resets a running or paused VM at once, like the reset button.</summary>
internal sealed class ResetVmHandler(VmActionQueue queue) : ICommandHandler<ResetVm, JobAccepted>
{
    public static readonly VmAction Action = new("reset", "Reset", [VmStates.Running, VmStates.Paused], "Only a running or paused VM can be reset.", AccessLevel.Operate)
    {
        Style = "btn-danger",
        Button = 8,
        Command = (vmId, requestId) => new ResetVm(vmId, requestId),
        Summary = "Resets a vServer at once.",
    };

    public ValueTask<JobAccepted> Handle(ResetVm command, CancellationToken cancellationToken) =>
        queue.QueueAsync(Action, command.VmId, command.RequestId, (jobId, vm) => new ResetDomain(jobId, vm.NodeName, vm.Id), cancellationToken);
}
