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
            // Failed VMs never got RAM; parked ones gave theirs back (their cores stay reserved for them).
            .Where(v => v.State != VmStates.Failed && v.State != VmStates.Parked)
            // A VM that moves holds cores on its target too, and needs its RAM there as well as where it runs.
            .Select(v => new { v.NodeName, v.MemoryGiB, Moving = v.Cores.Where(c => c.NodeName != v.NodeName).Select(c => c.NodeName).FirstOrDefault() })
            .ToListAsync(cancellationToken);
        return servers.Select(s => new Placement.NodeUsage(
            s,
            cores.Where(c => c.NodeName == s.Name).Select(c => c.Core).ToHashSet(),
            memory.Where(m => m.NodeName == s.Name || m.Moving == s.Name).Sum(m => (long)m.MemoryGiB) * Placement.Gib)).ToArray();
    }
}
