using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Features.Users;

public sealed record ListGrants(Guid UserId) : IQuery<IReadOnlyList<GrantView>>;

/// <summary>A user's grants, oldest first.</summary>
internal sealed class ListGrantsHandler(PortalDbContext db, ITenantContext tenant) : IQueryHandler<ListGrants, IReadOnlyList<GrantView>>
{
    public async ValueTask<IReadOnlyList<GrantView>> Handle(ListGrants query, CancellationToken cancellationToken)
    {
        var user = await UserManagement.FindAsync(db, tenant, query.UserId, cancellationToken);
        return (await db.Set<AccessGrant>().AsNoTracking().Where(g => g.UserId == user.Id).OrderBy(g => g.GrantedAt).ToListAsync(cancellationToken))
            .Select(UserManagement.View).ToArray();
    }
}
