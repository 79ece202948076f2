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

/// <summary>
/// Live migration: the target's cores are reserved when the job is queued, while the source's stay the VM's until the
/// job completes (see <see cref="JobEventConsumers"/>); every refusal comes before anything is written.
/// </summary>
internal sealed class MigrateVmHandlers(PortalDbContext db, JobFactory jobs, IResourceAccess access, NodeUsageReader usage) :
    ICommandHandler<MigrateVm, JobAccepted>,
    IQueryHandler<ListMigrationTargets, IReadOnlyList<MigrationTargetView>>
{
    public const string Action = "migrate";

    /// <summary>The SDK's capability name; the libvirt test driver lacks it.</summary>
    private const string LiveMigration = "LiveMigration";

    public async ValueTask<JobAccepted> Handle(MigrateVm command, CancellationToken cancellationToken)
    {
        var vm = await ManagedVmAsync(command.VmId, cancellationToken);
        var targetName = command.TargetNode?.Trim();
        if (string.IsNullOrEmpty(targetName))
        {
            throw new RequestValidationException("targetNode", "Name the rack server to move the VM to.");
        }

        await JobFactory.EnsureNoOpenJobAsync(db, vm, cancellationToken);

        if (vm.State != VmStates.Running)
        {
            throw new ConflictException($"'{vm.Name}' is {vm.State}. Only a running VM moves live.");
        }

        var nodes = await usage.ReadAsync(cancellationToken);
        var target = nodes.SingleOrDefault(n => n.Server.Name == targetName);
        if (Refusal(vm, nodes, target, targetName) is { } refusal)
        {
            throw new RequestValidationException("targetNode", refusal);
        }

        var source = nodes.Single(n => n.Server.Name == vm.NodeName).Server;
        var server = target!.Server;
        var cores = target.FreeCores.Take(vm.VCpus).ToArray();
        var copyStorage = source.SharedStorage is null || source.SharedStorage != server.SharedStorage;
        vm.Cores.AddRange(cores.Select(core => new CoreAllocation { VmId = vm.Id, NodeName = server.Name, Core = core }));
        var job = jobs.Create(vm, Action, jobId => new MigrateDomain(jobId, vm.NodeName, vm.Id, server.Name, server.MigrationUri!, cores, copyStorage));
        job.Info = $"Waiting for {vm.NodeName}'s agent to move it to {server.Name} (cores {string.Join(", ", cores)}).";
        db.Add(job);
        return new JobAccepted(job.Id, vm.Id, job.Status);
    }

    public async ValueTask<IReadOnlyList<MigrationTargetView>> Handle(ListMigrationTargets query, CancellationToken cancellationToken)
    {
        var vm = await ManagedVmAsync(query.VmId, cancellationToken);
        var nodes = await usage.ReadAsync(cancellationToken);
        var running = vm.State == VmStates.Running ? null : $"'{vm.Name}' is {vm.State}. Only a running VM moves live.";
        return nodes.Where(n => n.Server.Name != vm.NodeName)
            .OrderBy(n => n.Server.Name, StringComparer.Ordinal)
            .Select(n => new MigrationTargetView(
                n.Server.Name, n.FreeCores.Count(), Math.Max(0, n.FreeMemoryBytes), running ?? Refusal(vm, nodes, n, n.Server.Name)))
            .ToArray();
    }

    /// <summary>Why <paramref name="target"/> cannot take the VM now, or null. The capability comes last: the rest can be tried on nodes without it.</summary>
    private static string? Refusal(VirtualMachine vm, IReadOnlyList<Placement.NodeUsage> nodes, Placement.NodeUsage? target, string targetName)
    {
        if (target is null)
        {
            return $"There is no rack server '{targetName}'.";
        }

        var server = target.Server;
        if (server.Name == vm.NodeName)
        {
            return $"'{vm.Name}' already runs on {server.Name}.";
        }

        if (!server.Online)
        {
            return $"{server.Name} is offline.";
        }

        if (server.Role != "compute")
        {
            return $"{server.Name} is a {server.Role} server and takes no VMs.";
        }

        var freeCores = target.FreeCores.Count();
        if (freeCores < vm.VCpus || target.FreeMemoryBytes < vm.MemoryGiB * Placement.Gib)
        {
            return $"{server.Name} has {freeCores} free dedicated cores and {Math.Max(0, target.FreeMemoryBytes) / Placement.Gib} GiB of free RAM; " +
                $"'{vm.Name}' needs {vm.VCpus} and {vm.MemoryGiB} GiB.";
        }

        if (!server.Can(LiveMigration) || server.MigrationUri is null)
        {
            return $"{server.Name} cannot take VMs live.";
        }

        var source = nodes.SingleOrDefault(n => n.Server.Name == vm.NodeName)?.Server;
        return source is not null && source.Can(LiveMigration) ? null : $"{vm.NodeName} cannot move VMs live.";
    }

    private async Task<VirtualMachine> ManagedVmAsync(Guid vmId, CancellationToken cancellationToken)
    {
        var vm = await db.Set<VirtualMachine>().Include(v => v.Cores).SingleOrDefaultAsync(v => v.Id == vmId, cancellationToken)
            ?? throw new NotFoundException("The VM");
        var level = await access.VmAccessAsync(vm.Id, cancellationToken);
        if (level == AccessLevel.None)
        {
            throw new NotFoundException("The VM");
        }

        return level < AccessLevel.Manage ? throw new ForbiddenException($"You may see '{vm.Name}' but not manage it.") : vm;
    }
}
