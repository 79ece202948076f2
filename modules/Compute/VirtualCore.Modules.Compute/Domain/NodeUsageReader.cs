using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Modules.Compute.Domain;

/// <summary>What the VMs of every tenant use on each rack server: capacity is shared, so no tenant filter here.</summary>
internal sealed class NodeUsageReader(PortalDbContext db, ISender sender)
{
    public async Task<IReadOnlyList<Placement.NodeUsage>> ReadAsync(CancellationToken cancellationToken)
    {
        var servers = await sender.Send(new ListRackServers(), cancellationToken);
        var cores = await db.Set<CoreAllocation>().AsNoTracking().Select(c => new { c.NodeName, c.Core }).ToListAsync(cancellationToken);
        var memory = await db.Set<VirtualMachine>().IgnoreQueryFilters().AsNoTracking()
            // Failed VMs never got RAM; parked ones gave theirs back, with their cores (they hold no core rows).
            .Where(v => v.State != VmStates.Failed && v.State != VmStates.Parked)
            // A VM that moves holds cores on its target too, and needs its RAM there as well as where it runs.
            .Select(v => new { v.NodeName, v.MemoryGiB, Moving = v.Cores.Where(c => c.NodeName != v.NodeName).Select(c => c.NodeName).FirstOrDefault() })
            .ToListAsync(cancellationToken);

        // A hardware change on its way holds its extra RAM from the start, as it holds its extra cores.
        var growing = await db.Set<HardwareEdit>().IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.MemoryGiB != null)
            .Join(db.Set<VirtualMachine>().IgnoreQueryFilters(), e => e.VmId, v => v.Id, (e, v) => new { v.NodeName, GiB = e.MemoryGiB!.Value - v.MemoryGiB })
            .Where(x => x.GiB > 0)
            .ToListAsync(cancellationToken);
        return servers.Select(s => new Placement.NodeUsage(
            s,
            cores.Where(c => c.NodeName == s.Name).Select(c => c.Core).ToHashSet(),
            (memory.Where(m => m.NodeName == s.Name || m.Moving == s.Name).Sum(m => (long)m.MemoryGiB) + growing.Where(g => g.NodeName == s.Name).Sum(g => (long)g.GiB))
                * Placement.Gib)).ToArray();
    }
}
