using Mediator;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.Shutdown;

/// <summary>Asks the guest to shut down (ACPI); the guest decides when.</summary>
internal sealed class ShutdownVmHandler(VmActionQueue queue) : ICommandHandler<ShutdownVm, JobAccepted>
{
    public static readonly VmAction Action = new("shutdown", "Shut down", [VmStates.Running], "Only a running VM can be shut down.", AccessLevel.Operate)
    {
        Button = 2,
        Command = (vmId, requestId) => new ShutdownVm(vmId, requestId),
        Summary = "Asks the guest to shut down (ACPI).",
    };

    public ValueTask<JobAccepted> Handle(ShutdownVm command, CancellationToken cancellationToken) =>
        queue.QueueAsync(Action, command.VmId, command.RequestId, (jobId, vm) => new ShutdownDomain(jobId, vm.NodeName, vm.Id), cancellationToken);
}
