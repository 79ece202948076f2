using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Features.Tokens;

public sealed record RevokeApiToken(Guid TokenId) : ICommand<bool>;

/// <summary>Revokes one of the caller's tokens; it stops working at once.</summary>
internal sealed class RevokeApiTokenHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit, TimeProvider clock) : ICommandHandler<RevokeApiToken, bool>
{
    public async ValueTask<bool> Handle(RevokeApiToken command, CancellationToken cancellationToken)
    {
        var token = await db.Set<ApiToken>().SingleOrDefaultAsync(t => t.Id == command.TokenId && t.UserId == tenant.UserId, cancellationToken)
            ?? throw new NotFoundException("The token");
        token.RevokedAt ??= clock.GetUtcNow();
        audit.Record("token.revoked", token.Name);
        return true;
    }
}
