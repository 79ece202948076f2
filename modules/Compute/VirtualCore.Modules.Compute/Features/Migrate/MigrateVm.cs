using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.Migrate;

/// <summary>
/// Live migration: the target's cores are reserved when the job is queued, while the source's stay the VM's until the
/// job completes (see <see cref="MigrateVmCompletion"/>); every refusal comes before anything is written.
/// </summary>
internal sealed class MigrateVmHandlers(PortalDbContext db, VmActionQueue queue, NodeUsageReader usage) :
    ICommandHandler<MigrateVm, JobAccepted>,
    IQueryHandler<ListMigrationTargets, IReadOnlyList<MigrationTargetView>>
{
    public static readonly VmAction Action = new("migrate", "Move", [VmStates.Running], "Only a running VM moves live.", AccessLevel.Manage)
    {
        Summary = "Moves a running vServer live to another rack server, onto dedicated cores there.",
    };

    /// <summary>The SDK's capability name; the libvirt test driver lacks it.</summary>
    private const string LiveMigration = "LiveMigration";

    public async ValueTask<JobAccepted> Handle(MigrateVm command, CancellationToken cancellationToken)
    {
        var (prepared, earlier) = await queue.PrepareAsync(Action, command.VmId, command.RequestId, cancellationToken);
        if (earlier is not null)
        {
            return earlier;
        }

        var vm = prepared!;
        var targetName = command.TargetNode?.Trim();
        if (string.IsNullOrEmpty(targetName))
        {
            throw new RequestValidationException("targetNode", "Name the rack server to move the VM to.");
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
        var job = queue.Queue(vm, Action, command.RequestId, jobId => new MigrateDomain(jobId, vm.NodeName, vm.Id, server.Name, server.MigrationUri!, cores, copyStorage));
        job.Info = $"Waiting for {vm.NodeName}'s agent to move it to {server.Name} (cores {string.Join(", ", cores)}).";
        return new JobAccepted(job.Id, vm.Id, job.Status);
    }

    public async ValueTask<IReadOnlyList<MigrationTargetView>> Handle(ListMigrationTargets query, CancellationToken cancellationToken)
    {
        var vm = await db.Set<VirtualMachine>().Include(v => v.Cores).SingleOrDefaultAsync(v => v.Id == query.VmId, cancellationToken)
            ?? throw new NotFoundException("The VM");
        var nodes = await usage.ReadAsync(cancellationToken);
        var running = Action.AllowsState(vm.State) ? null : $"'{vm.Name}' is {vm.State}. {Action.Refusal}";
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
}

/// <summary>
/// Moved or not, the VM holds cores on one rack server only from now on: the target's are its own, or free again.
/// Moved, it is on the target and runs (a live migration keeps it running); from here on the target's reports and
/// events are the ones that concern it.
/// </summary>
internal sealed class MigrateVmCompletion : IJobCompletion
{
    public IReadOnlyCollection<string> Actions { get; } = [MigrateVmHandlers.Action.Name];

    public Task<bool> SettleAsync(JobEnd end, CancellationToken cancellationToken)
    {
        if (end.Vm is not { } vm)
        {
            return Task.FromResult(false);
        }

        var moved = end.Job.Status == JobStatuses.Completed;
        var node = moved ? vm.Cores.Select(c => c.NodeName).FirstOrDefault(n => n != vm.NodeName) ?? vm.NodeName : vm.NodeName;
        vm.Cores.RemoveAll(c => c.NodeName != node);
        if (!moved)
        {
            return Task.FromResult(false);
        }

        vm.NodeName = node;
        vm.State = VmStates.Running;
        vm.StateChangedAt = end.At;
        return Task.FromResult(true);
    }
}
