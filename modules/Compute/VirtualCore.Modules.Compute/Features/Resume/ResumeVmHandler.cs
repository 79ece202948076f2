using Mediator;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.Resume;

/// <summary>Lets a paused VM run on.</summary>
internal sealed class ResumeVmHandler(VmActionQueue queue) : ICommandHandler<ResumeVm, JobAccepted>
{
    public static readonly VmAction Action = new("resume", "Resume", [VmStates.Paused], "Only a paused VM can be resumed.", AccessLevel.Operate)
    {
        Style = "btn-primary",
        Button = 5,
        Command = (vmId, requestId) => new ResumeVm(vmId, requestId),
        Summary = "Resumes a paused vServer.",
    };

    public ValueTask<JobAccepted> Handle(ResumeVm command, CancellationToken cancellationToken) =>
        queue.QueueAsync(Action, command.VmId, command.RequestId, (jobId, vm) => new ResumeDomain(jobId, vm.NodeName, vm.Id), cancellationToken);
}
