using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Domain;

namespace VirtualCore.Modules.Tenancy.Features.Resellers;

/// <summary>Every reseller with its host names and number of customers, the provider first, then by name.</summary>
internal sealed class ListResellersHandler(PortalDbContext db) : IQueryHandler<ListResellers, IReadOnlyList<ResellerView>>
{
    public async ValueTask<IReadOnlyList<ResellerView>> Handle(ListResellers query, CancellationToken cancellationToken)
    {
        var resellers = await db.Set<Reseller>().AsNoTracking().Include(r => r.HostNames).OrderByDescending(r => r.IsProvider).ThenBy(r => r.Name).ToListAsync(cancellationToken);
        var counts = await db.Set<Customer>().GroupBy(c => c.ResellerId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, cancellationToken);
        return resellers.Select(r => TenancyViews.Of(r, counts.GetValueOrDefault(r.Id))).ToArray();
    }
}
