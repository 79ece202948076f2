using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Modules.Compute.Domain;

internal sealed class VmOwners(PortalDbContext db) : IVmOwners
{
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
}
