using Mediator;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.Restart;

/// <summary>Asks the guest to restart (ACPI).</summary>
internal sealed class RestartVmHandler(VmActionQueue queue) : ICommandHandler<RestartVm, JobAccepted>
{
    public static readonly VmAction Action = new("restart", "Restart", [VmStates.Running], "Only a running VM can be restarted.", AccessLevel.Operate)
    {
        Button = 3,
        Command = (vmId, requestId) => new RestartVm(vmId, requestId),
        Summary = "Asks the guest to restart (ACPI).",
    };

    public ValueTask<JobAccepted> Handle(RestartVm command, CancellationToken cancellationToken) =>
        queue.QueueAsync(Action, command.VmId, command.RequestId, (jobId, vm) => new RebootDomain(jobId, vm.NodeName, vm.Id), cancellationToken);
}
