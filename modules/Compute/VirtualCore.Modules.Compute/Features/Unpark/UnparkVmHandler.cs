using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.Unpark;

/// <summary>
/// Brings a parked VM back to where it was, on free dedicated cores of the same rack server, which must also have
/// its RAM free. The cores are taken now, with the job, so no other VM gets them meanwhile.
/// </summary>
internal sealed class UnparkVmHandler(PortalDbContext db, VmActionQueue queue, NodeUsageReader usage) : ICommandHandler<UnparkVm, JobAccepted>
{
    public static readonly VmAction Action = new("unpark", "Unpark", [VmStates.Parked], "Only a parked VM can be unparked.", AccessLevel.Operate)
    {
        Style = "btn-primary",
        Button = 7,
        Command = (vmId, requestId) => new UnparkVm(vmId, requestId),
        Summary = "Brings a parked vServer back to where it was, on free dedicated cores of its rack server.",
    };

    public async ValueTask<JobAccepted> Handle(UnparkVm command, CancellationToken cancellationToken)
    {
        var (vm, earlier) = await queue.PrepareAsync(Action, command.VmId, command.RequestId, cancellationToken);
        if (earlier is not null)
        {
            return earlier;
        }

        var cores = await TakeCoresBackAsync(vm!, cancellationToken);
        var job = queue.Queue(vm!, Action, command.RequestId, jobId => new UnparkDomain(jobId, vm!.NodeName, vm.Id, cores));
        return new JobAccepted(job.Id, vm!.Id, job.Status);
    }

    /// <summary>The lowest free cores of the VM's rack server (any it still holds count as free for it), now its own.</summary>
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

        var cores = free.Take(vm.VCpus).ToList();
        db.RemoveRange(held.Where(c => !cores.Contains(c.Core)));
        db.AddRange(cores.Where(core => held.All(c => c.Core != core)).Select(core => new CoreAllocation { VmId = vm.Id, NodeName = vm.NodeName, Core = core }));
        return cores;
    }
}
