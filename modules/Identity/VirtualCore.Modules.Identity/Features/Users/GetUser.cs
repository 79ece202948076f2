using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Features.Users;

public sealed record GetUser(Guid UserId) : IQuery<UserView>;

/// <summary>The caller's own account, for its profile: no user-management right needed.</summary>
public sealed record GetMyAccount : IQuery<UserView>;

/// <summary>One user the caller administers.</summary>
internal sealed class GetUserHandler(PortalDbContext db, ITenantContext tenant, TimeProvider clock) : IQueryHandler<GetUser, UserView>
{
    public async ValueTask<UserView> Handle(GetUser query, CancellationToken cancellationToken) =>
        await UserManagement.ViewAsync(db, await UserManagement.FindAsync(db, tenant, query.UserId, cancellationToken), clock.GetUtcNow(), cancellationToken);
}

/// <summary>The caller's own account.</summary>
internal sealed class GetMyAccountHandler(PortalDbContext db, ITenantContext tenant, TimeProvider clock) : IQueryHandler<GetMyAccount, UserView>
{
    public async ValueTask<UserView> Handle(GetMyAccount query, CancellationToken cancellationToken) =>
        await UserManagement.ViewAsync(
            db,
            await db.Set<UserAccount>().AsNoTracking().SingleOrDefaultAsync(u => u.Id == tenant.UserId, cancellationToken) ?? throw new NotFoundException("Your account"),
            clock.GetUtcNow(),
            cancellationToken);
}
