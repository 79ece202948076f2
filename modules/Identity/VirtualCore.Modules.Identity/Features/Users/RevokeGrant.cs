using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Features.Users;

public sealed record RevokeGrant(Guid GrantId) : ICommand<bool>;

/// <summary>Takes a grant back.</summary>
internal sealed class RevokeGrantHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit) : ICommandHandler<RevokeGrant, bool>
{
    public async ValueTask<bool> Handle(RevokeGrant command, CancellationToken cancellationToken)
    {
        var grant = await db.Set<AccessGrant>().SingleOrDefaultAsync(g => g.Id == command.GrantId, cancellationToken)
            ?? throw new NotFoundException("The grant");
        var user = await UserManagement.FindAsync(db, tenant, grant.UserId, cancellationToken);
        db.Remove(grant);
        audit.Record("grant.revoked", user.UserName, $"{grant.Level.ToString().ToLowerInvariant()} on {(grant.VmId == Guid.Empty ? "the whole account" : $"VM {grant.VmId}")}", user.ResellerId, user.CustomerId);
        return true;
    }
}
