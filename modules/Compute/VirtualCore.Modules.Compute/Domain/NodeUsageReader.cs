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

        // Grouped once: looking each server's rows up in the whole list was servers × VMs, which at 500 rack servers and
        // 10,000 VMs made every rack-server page and every placement wait.
        var coresOn = cores.ToLookup(c => c.NodeName, c => c.Core, StringComparer.Ordinal);
        var memoryOn = memory.SelectMany(m => m.Moving is null ? [(Node: m.NodeName, m.MemoryGiB)] : new[] { (Node: m.NodeName, m.MemoryGiB), (Node: m.Moving, m.MemoryGiB) })
            .Concat(growing.Select(g => (Node: g.NodeName, MemoryGiB: g.GiB)))
            .GroupBy(m => m.Node, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(m => (long)m.MemoryGiB), StringComparer.Ordinal);
        return servers.Select(s => new Placement.NodeUsage(
            s,
            coresOn[s.Name].ToHashSet(),
            memoryOn.GetValueOrDefault(s.Name) * Placement.Gib)).ToArray();
    }
}
