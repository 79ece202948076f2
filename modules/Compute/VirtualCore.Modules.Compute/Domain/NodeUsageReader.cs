using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Modules.Compute.Domain;

/// <summary>What the VMs of every tenant use on each rack server: capacity is shared, so no tenant filter here.</summary>
internal sealed class NodeUsageReader(PortalDbContext db, ISender sender)
{
    /// <summary>Each rack server with the very cores in use, for placing a VM.</summary>
    public async Task<IReadOnlyList<Placement.NodeUsage>> ReadAsync(CancellationToken cancellationToken)
    {
        var servers = await sender.Send(new ListRackServers(), cancellationToken);
        var cores = (await db.Set<CoreAllocation>().AsNoTracking().Select(c => new { c.NodeName, c.Core }).ToListAsync(cancellationToken))
            .ToLookup(c => c.NodeName, c => c.Core, StringComparer.Ordinal);
        var memory = await MemoryGiBAsync(cancellationToken);
        return servers.Select(s => new Placement.NodeUsage(s, cores[s.Name].ToHashSet(), memory.GetValueOrDefault(s.Name) * Placement.Gib)).ToArray();
    }

    /// <summary>
    /// The same use as counts, added up by the database: what the rack-server page and API show. At 500 rack servers and
    /// 10,000 VMs, reading every core row for them was most of each request.
    /// </summary>
    public async Task<IReadOnlyList<(RackServerView Server, int UsedCores, long UsedMemoryBytes)>> CountAsync(CancellationToken cancellationToken)
    {
        var servers = await sender.Send(new ListRackServers(), cancellationToken);
        var cores = await db.Set<CoreAllocation>().AsNoTracking()
            .GroupBy(c => c.NodeName).Select(g => new { Node = g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Node, x => x.Count, StringComparer.Ordinal, cancellationToken);
        var memory = await MemoryGiBAsync(cancellationToken);
        return servers.Select(s => (s, cores.GetValueOrDefault(s.Name), memory.GetValueOrDefault(s.Name) * Placement.Gib)).ToArray();
    }

    /// <summary>The RAM held on each rack server, in GiB, added up by the database.</summary>
    private async Task<Dictionary<string, long>> MemoryGiBAsync(CancellationToken cancellationToken)
    {
        // Failed VMs never got RAM; parked ones gave theirs back, with their cores (they hold no core rows).
        var holding = db.Set<VirtualMachine>().IgnoreQueryFilters().AsNoTracking().Where(v => v.State != VmStates.Failed && v.State != VmStates.Parked);
        var memory = await holding
            .GroupBy(v => v.NodeName).Select(g => new { Node = g.Key, GiB = g.Sum(v => (long)v.MemoryGiB) })
            .ToDictionaryAsync(x => x.Node, x => x.GiB, StringComparer.Ordinal, cancellationToken);

        // A VM that moves holds cores on its target too, and needs its RAM there as well as where it runs (one target
        // per VM).
        var moving = await db.Set<CoreAllocation>().AsNoTracking()
            .Join(holding, c => c.VmId, v => v.Id, (c, v) => new { c.VmId, c.NodeName, VmNode = v.NodeName, v.MemoryGiB })
            .Where(x => x.NodeName != x.VmNode)
            .Select(x => new { x.VmId, x.NodeName, x.MemoryGiB })
            .Distinct()
            .ToListAsync(cancellationToken);

        // A hardware change on its way holds its extra RAM from the start, as it holds its extra cores.
        var growing = await db.Set<HardwareEdit>().IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.MemoryGiB != null)
            .Join(db.Set<VirtualMachine>().IgnoreQueryFilters(), e => e.VmId, v => v.Id, (e, v) => new { v.NodeName, GiB = e.MemoryGiB!.Value - v.MemoryGiB })
            .Where(x => x.GiB > 0)
            .ToListAsync(cancellationToken);
        foreach (var (node, gib) in moving.GroupBy(m => m.VmId).Select(g => (g.First().NodeName, (long)g.First().MemoryGiB))
            .Concat(growing.Select(g => (g.NodeName, (long)g.GiB))))
        {
            memory[node] = memory.GetValueOrDefault(node) + gib;
        }

        return memory;
    }
}
