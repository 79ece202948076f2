using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Features.Tokens;

/// <summary>The caller's own tokens.</summary>
public sealed record ListApiTokens : IQuery<IReadOnlyList<ApiTokenView>>;

/// <summary>The caller's own tokens, newest first, each active, expired or revoked as of now.</summary>
internal sealed class ListApiTokensHandler(PortalDbContext db, ITenantContext tenant, TimeProvider clock) : IQueryHandler<ListApiTokens, IReadOnlyList<ApiTokenView>>
{
    public async ValueTask<IReadOnlyList<ApiTokenView>> Handle(ListApiTokens query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return (await db.Set<ApiToken>().AsNoTracking().Where(t => t.UserId == tenant.UserId).ToListAsync(cancellationToken))
            .OrderByDescending(t => t.CreatedAt).Select(t => ApiTokenFormat.View(t, now)).ToArray();
    }
}
