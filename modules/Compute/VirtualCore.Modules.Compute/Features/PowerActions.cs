using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Jobs;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features;

/// <summary>Start, ACPI shutdown and power off: each checks the VM's state, refuses while another job runs, and queues a job.</summary>
internal sealed class PowerActionHandlers(PortalDbContext db, JobFactory jobs, IResourceAccess access, NodeUsageReader usage) :
    ICommandHandler<StartVm, JobAccepted>,
    ICommandHandler<ShutdownVm, JobAccepted>,
    ICommandHandler<PowerOffVm, JobAccepted>,
    ICommandHandler<RestartVm, JobAccepted>,
    ICommandHandler<ResetVm, JobAccepted>,
    ICommandHandler<PauseVm, JobAccepted>,
    ICommandHandler<ResumeVm, JobAccepted>,
    ICommandHandler<DeleteVm, JobAccepted>,
    ICommandHandler<ParkVm, JobAccepted>,
    ICommandHandler<UnparkVm, JobAccepted>
{
    public ValueTask<JobAccepted> Handle(StartVm command, CancellationToken cancellationToken) =>
        QueueAsync(command.VmId, "start", [VmStates.ShutOff, VmStates.Crashed], "It can be started when it is shut off.",
            (jobId, vm) => new StartDomain(jobId, vm.NodeName, vm.Id), cancellationToken);

    public ValueTask<JobAccepted> Handle(ShutdownVm command, CancellationToken cancellationToken) =>
        QueueAsync(command.VmId, "shutdown", [VmStates.Running], "Only a running VM can be shut down.",
            (jobId, vm) => new ShutdownDomain(jobId, vm.NodeName, vm.Id), cancellationToken);

    public ValueTask<JobAccepted> Handle(PowerOffVm command, CancellationToken cancellationToken) =>
        QueueAsync(command.VmId, "power-off", [VmStates.Running, VmStates.Paused, VmStates.ShuttingDown, VmStates.Crashed], "It is not running.",
            (jobId, vm) => new PowerOffDomain(jobId, vm.NodeName, vm.Id), cancellationToken);

    public ValueTask<JobAccepted> Handle(RestartVm command, CancellationToken cancellationToken) =>
        QueueAsync(command.VmId, "restart", [VmStates.Running], "Only a running VM can be restarted.",
            (jobId, vm) => new RebootDomain(jobId, vm.NodeName, vm.Id), cancellationToken);

    public ValueTask<JobAccepted> Handle(ResetVm command, CancellationToken cancellationToken) =>
        QueueAsync(command.VmId, "reset", [VmStates.Running, VmStates.Paused], "Only a running or paused VM can be reset.",
            (jobId, vm) => new ResetDomain(jobId, vm.NodeName, vm.Id), cancellationToken);

    public ValueTask<JobAccepted> Handle(PauseVm command, CancellationToken cancellationToken) =>
        QueueAsync(command.VmId, "pause", [VmStates.Running], "Only a running VM can be paused.",
            (jobId, vm) => new PauseDomain(jobId, vm.NodeName, vm.Id), cancellationToken);

    public ValueTask<JobAccepted> Handle(ResumeVm command, CancellationToken cancellationToken) =>
        QueueAsync(command.VmId, "resume", [VmStates.Paused], "Only a paused VM can be resumed.",
            (jobId, vm) => new ResumeDomain(jobId, vm.NodeName, vm.Id), cancellationToken);

    public ValueTask<JobAccepted> Handle(ParkVm command, CancellationToken cancellationToken) =>
        QueueAsync(command.VmId, "park", [VmStates.Running, VmStates.Paused], "Only a running or paused VM can be parked.",
            (jobId, vm) => new ParkDomain(jobId, vm.NodeName, vm.Id), cancellationToken);

    public ValueTask<JobAccepted> Handle(UnparkVm command, CancellationToken cancellationToken)
    {
        IReadOnlyList<int> cores = [];
        return QueueAsync(command.VmId, "unpark", [VmStates.Parked], "Only a parked VM can be unparked.",
            (jobId, vm) => new UnparkDomain(jobId, vm.NodeName, vm.Id, cores), cancellationToken,
            check: async vm => cores = await TakeCoresBackAsync(vm, cancellationToken));
    }

    /// <summary>
    /// Parked, the VM gave back its cores and RAM; it comes back on free dedicated cores of the same rack server,
    /// which must also have its RAM free. The cores are taken now, with the job, so no other VM gets them meanwhile.
    /// </summary>
    private async Task<IReadOnlyList<int>> TakeCoresBackAsync(VirtualMachine vm, CancellationToken cancellationToken)
    {
        var node = (await usage.ReadAsync(cancellationToken)).SingleOrDefault(n => n.Server.Name == vm.NodeName);
        var held = await db.Set<CoreAllocation>().Where(c => c.VmId == vm.Id).OrderBy(c => c.Core).ToListAsync(cancellationToken);
        var free = node is null ? [] : node.FreeCores.Concat(held.Select(c => c.Core)).Order().ToList();
        var problems = new List<string>();
        if (node is null || free.Count < vm.VCpus)
        {
            problems.Add($"{vm.VCpus} free dedicated {(vm.VCpus == 1 ? "core" : "cores")} (it has {free.Count})");
        }

        if (node is null || node.FreeMemoryBytes < vm.MemoryGiB * Placement.Gib)
        {
            problems.Add($"{vm.MemoryGiB} GiB of free RAM (it has {Math.Max(0, (node?.FreeMemoryBytes ?? 0) / Placement.Gib)} GiB)");
        }

        if (problems.Count > 0)
        {
            throw new ConflictException($"'{vm.Name}' cannot come back now: {vm.NodeName} needs {string.Join(" and ", problems)}.");
        }

        // Any core the VM still holds counts as free for it; it takes the lowest free ones.
        var cores = free.Take(vm.VCpus).ToList();
        db.RemoveRange(held.Where(c => !cores.Contains(c.Core)));
        db.AddRange(cores.Where(core => held.All(c => c.Core != core)).Select(core => new CoreAllocation { VmId = vm.Id, NodeName = vm.NodeName, Core = core }));
        return cores;
    }

    public ValueTask<JobAccepted> Handle(DeleteVm command, CancellationToken cancellationToken) =>
        QueueAsync(command.VmId, "delete", [VmStates.Running, VmStates.Paused, VmStates.ShutOff, VmStates.Crashed, VmStates.Parked, VmStates.Missing, VmStates.Unknown],
            "It cannot be deleted now.", (jobId, vm) => new DeleteDomain(jobId, vm.NodeName, vm.Id), cancellationToken,
            AccessLevel.Manage, vm => string.Equals(command.ConfirmName?.Trim(), vm.Name, StringComparison.Ordinal)
                ? Task.CompletedTask
                : throw new RequestValidationException("confirmName", $"Type the VM's name, '{vm.Name}', to confirm that it and its disks are deleted."));

    private async ValueTask<JobAccepted> QueueAsync(
        Guid vmId,
        string action,
        string[] allowedStates,
        string refusal,
        Func<Guid, VirtualMachine, INodeCommand> command,
        CancellationToken cancellationToken,
        AccessLevel needed = AccessLevel.Operate,
        Func<VirtualMachine, Task>? check = null)
    {
        var vm = await db.Set<VirtualMachine>().SingleOrDefaultAsync(v => v.Id == vmId, cancellationToken)
            ?? throw new NotFoundException("The VM");
        var level = await access.VmAccessAsync(vm.Id, cancellationToken);
        if (level == AccessLevel.None)
        {
            throw new NotFoundException("The VM");
        }

        if (level < needed)
        {
            throw new ForbiddenException($"You may see '{vm.Name}' but not {(needed == AccessLevel.Manage ? "manage" : "operate")} it.");
        }
        await JobFactory.EnsureNoOpenJobAsync(db, vm, cancellationToken);

        if (!allowedStates.Contains(vm.State))
        {
            throw new ConflictException($"'{vm.Name}' is {vm.State}. {refusal}");
        }

        if (check is not null)
        {
            await check(vm);
        }

        var job = jobs.Create(vm, action, jobId => command(jobId, vm));
        db.Add(job);
        return new JobAccepted(job.Id, vm.Id, job.Status);
    }
}
