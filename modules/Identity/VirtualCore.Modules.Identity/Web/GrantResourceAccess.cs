using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>
/// Rights on VMs by role and grant: a customer admin manages every VM of its customer; a customer user has what it
/// was granted, per VM or for the whole account; the provider's and resellers' staff look, they do not operate.
/// </summary>
internal sealed class GrantResourceAccess(PortalDbContext db, ITenantContext tenant, IHttpContextAccessor http) : IResourceAccess
{
    private List<AccessGrant>? _grants;

    /// <summary>The caller's level, never above what its API token's scope allows.</summary>
    public async ValueTask<AccessLevel> VmAccessAsync(Guid vmId, CancellationToken cancellationToken)
    {
        if (tenant.IsSystem)
        {
            return AccessLevel.Manage;
        }

        var level = await RoleAccessAsync(vmId, cancellationToken);
        return RolePermissionChecker.TokenLevel(http.HttpContext?.User) is { } scope && scope < level ? scope : level;
    }

    private async ValueTask<AccessLevel> RoleAccessAsync(Guid vmId, CancellationToken cancellationToken)
    {
        switch (tenant.Role)
        {
            case TenantClaims.CustomerAdminRole:
                return AccessLevel.Manage;
            case TenantClaims.OperatorRole or TenantClaims.ResellerAdminRole:
                return AccessLevel.View;
            case TenantClaims.CustomerUserRole:
                var grants = await GrantsAsync(cancellationToken);
                return grants.Where(g => g.VmId == vmId || g.VmId == Guid.Empty).Select(g => g.Level).DefaultIfEmpty(AccessLevel.None).Max();
            default:
                return AccessLevel.None;
        }
    }

    public async ValueTask<IReadOnlySet<Guid>?> VisibleVmsAsync(CancellationToken cancellationToken)
    {
        if (tenant.IsSystem || tenant.Role != TenantClaims.CustomerUserRole)
        {
            return tenant.IsSystem || tenant.Role is not null ? null : new HashSet<Guid>();
        }

        var grants = await GrantsAsync(cancellationToken);
        return grants.Any(g => g.VmId == Guid.Empty) ? null : grants.Select(g => g.VmId).ToHashSet();
    }

    private async Task<List<AccessGrant>> GrantsAsync(CancellationToken cancellationToken) =>
        _grants ??= await db.Set<AccessGrant>().AsNoTracking()
            // Levels are stored by name, and "Manage" sorts before "None": compare for equality, never order, in SQL.
            .Where(g => g.UserId == tenant.UserId && g.Level != AccessLevel.None)
            .ToListAsync(cancellationToken);
}
