using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Modules.Identity.Features.Users;

/// <summary>The users the caller administers: its customer's (customer admin), its reseller's (reseller), everyone's (operator).</summary>
public sealed record ListUsers : IQuery<IReadOnlyList<UserView>>;

/// <summary>Lists the users the caller administers, by user name, each with whether it is locked out now.</summary>
internal sealed class ListUsersHandler(PortalDbContext db, ITenantContext tenant, TimeProvider clock) : IQueryHandler<ListUsers, IReadOnlyList<UserView>>
{
    public async ValueTask<IReadOnlyList<UserView>> Handle(ListUsers query, CancellationToken cancellationToken)
    {
        var users = await UserManagement.ManageableUsers(db, tenant).AsNoTracking().OrderBy(u => u.UserName).ToListAsync(cancellationToken);
        var locked = await UserManagement.LockedAsync(db, users.Select(u => u.Id).ToArray(), clock.GetUtcNow(), cancellationToken);
        return users.Select(u => UserManagement.View(u, locked.Contains(u.Id))).ToArray();
    }
}
