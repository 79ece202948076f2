using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Contracts;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Features.Users;

/// <summary>The customer users with a grant on a VM or on its whole account.</summary>
internal sealed class ListVmViewersHandler(PortalDbContext db) : IQueryHandler<ListVmViewers, IReadOnlyList<Guid>>
{
    public async ValueTask<IReadOnlyList<Guid>> Handle(ListVmViewers query, CancellationToken cancellationToken) =>
        await db.Set<AccessGrant>().IgnoreQueryFilters().AsNoTracking()
            .Where(g => g.CustomerId == query.CustomerId && (g.VmId == query.VmId || g.VmId == Guid.Empty) && g.Level != AccessLevel.None)
            .Select(g => g.UserId).Distinct().ToListAsync(cancellationToken);
}
