using Mediator;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.Start;

/// <summary>Starts a shut-off or crashed VM.</summary>
internal sealed class StartVmHandler(VmActionQueue queue) : ICommandHandler<StartVm, JobAccepted>
{
    public static readonly VmAction Action = new("start", "Start", [VmStates.ShutOff, VmStates.Crashed], "It can be started when it is shut off.", AccessLevel.Operate)
    {
        Style = "btn-primary",
        Button = 1,
        Command = (vmId, requestId) => new StartVm(vmId, requestId),
        Summary = "Starts a shut-off vServer.",
    };

    public ValueTask<JobAccepted> Handle(StartVm command, CancellationToken cancellationToken) =>
        queue.QueueAsync(Action, command.VmId, command.RequestId, (jobId, vm) => new StartDomain(jobId, vm.NodeName, vm.Id), cancellationToken);
}
