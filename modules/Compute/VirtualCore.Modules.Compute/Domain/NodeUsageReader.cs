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
            .GroupBy(v => v.NodeName)
            .Select(g => new { NodeName = g.Key, GiB = g.Sum(v => v.MemoryGiB) })
            .ToListAsync(cancellationToken);
        return servers.Select(s => new Placement.NodeUsage(
            s,
            cores.Where(c => c.NodeName == s.Name).Select(c => c.Core).ToHashSet(),
            (memory.SingleOrDefault(m => m.NodeName == s.Name)?.GiB ?? 0) * Placement.Gib)).ToArray();
    }
}
