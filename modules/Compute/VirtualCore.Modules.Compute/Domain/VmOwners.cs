using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Modules.Compute.Domain;

internal sealed class VmOwners(PortalDbContext db) : IVmOwners, IVmFacts
{
    /// <summary>Power actions after which a VM is meant to run; after the others (shutdown, power-off, park) it is meant to be off.</summary>
    private static readonly string[] RunActions = ["start", "restart", "reset", "resume", "unpark", "migrate"];

    private static readonly string[] PowerActions = [.. RunActions, "shutdown", "power-off", "park"];

    public async Task<IReadOnlyDictionary<Guid, VmOwner>> FindAsync(IReadOnlyCollection<Guid> vmIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<Guid, VmOwner>();
        foreach (var chunk in vmIds.Distinct().Chunk(500))
        {
            var owners = await db.Set<VirtualMachine>().IgnoreQueryFilters().AsNoTracking()
                .Where(v => chunk.Contains(v.Id) && v.State != VmStates.Deleted)
                .Select(v => new VmOwner(v.Id, v.ResellerId, v.CustomerId, v.NodeName))
                .ToListAsync(cancellationToken);
            owners.ForEach(o => result[o.VmId] = o);
        }

        return result;
    }

    public async Task<IReadOnlyList<VmFact>> ListAsync(IReadOnlyCollection<Guid> vmIds, IReadOnlyCollection<Guid> customerIds, CancellationToken cancellationToken)
    {
        var ids = vmIds.Distinct().ToList();
        var customers = customerIds.Distinct().ToList();
        var rows = await db.Set<VirtualMachine>().IgnoreQueryFilters().AsNoTracking()
            .Where(v => v.State != VmStates.Deleted && (ids.Contains(v.Id) || customers.Contains(v.CustomerId)))
            .Select(v => new { v.Id, v.ResellerId, v.CustomerId, v.Name, v.NodeName, v.State, v.StateChangedAt })
            .ToListAsync(cancellationToken);

        // A shut-off VM should run when the newest power action that completed on it was one that runs it.
        var lastAction = new Dictionary<Guid, (string Action, DateTimeOffset At)>();
        foreach (var chunk in rows.Where(r => r.State == VmStates.ShutOff).Select(r => r.Id).Chunk(500))
        {
            var jobs = await db.Set<Job>().IgnoreQueryFilters().AsNoTracking()
                .Where(j => chunk.Contains(j.TargetId) && j.Status == JobStatuses.Completed && PowerActions.Contains(j.Action))
                .Select(j => new { j.TargetId, j.Action, j.EndedAt })
                .ToListAsync(cancellationToken);
            foreach (var job in jobs)
            {
                var at = job.EndedAt ?? DateTimeOffset.MinValue;
                if (!lastAction.TryGetValue(job.TargetId, out var known) || known.At < at)
                {
                    lastAction[job.TargetId] = (job.Action, at);
                }
            }
        }

        return rows.Select(r => new VmFact(
            r.Id,
            r.ResellerId,
            r.CustomerId,
            r.Name,
            r.NodeName,
            r.State,
            r.StateChangedAt,
            r.State is VmStates.Crashed or VmStates.Missing
                || (r.State == VmStates.ShutOff && lastAction.TryGetValue(r.Id, out var last) && RunActions.Contains(last.Action)))).ToList();
    }
}
