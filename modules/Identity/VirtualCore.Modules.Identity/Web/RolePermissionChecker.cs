using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Contracts;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>Permissions by role, narrowed by an API token's scopes when the request came with one.</summary>
internal sealed class RolePermissionChecker(ITenantContext tenant, IHttpContextAccessor http) : IPermissionChecker
{
    private static readonly string[] Read = [Permissions.NodeRead, Permissions.VmRead, Permissions.JobRead, Permissions.AlertRead, Permissions.CatalogueRead];

    private static readonly Dictionary<string, HashSet<string>> ByRole = new(StringComparer.Ordinal)
    {
        [TenantClaims.OperatorRole] = [.. Read, Permissions.AlertManage, Permissions.ImageUpload, Permissions.NetworkManage, Permissions.Profile, Permissions.UserManage, Permissions.CustomerManage, Permissions.ResellerManage, Permissions.ThemeManage, Permissions.PriceManage, Permissions.ContractManage, Permissions.InvoiceRead, Permissions.InvoiceIssue, Permissions.AuditRead, Permissions.OperationsRead, Permissions.WebhookManage],
        [TenantClaims.ResellerAdminRole] = [.. Read, Permissions.Profile, Permissions.UserManage, Permissions.CustomerManage, Permissions.ThemeManage, Permissions.PriceManage, Permissions.ContractManage, Permissions.InvoiceRead, Permissions.InvoiceIssue, Permissions.AuditRead, Permissions.WebhookManage],
        [TenantClaims.CustomerAdminRole] = [.. Read, Permissions.AlertManage, Permissions.VmCreate, Permissions.ImageUpload, Permissions.VmOperate, Permissions.Profile, Permissions.UserManage, Permissions.ContractManage, Permissions.InvoiceRead, Permissions.AuditRead, Permissions.WebhookManage],
        [TenantClaims.CustomerUserRole] = [.. Read, Permissions.AlertManage, Permissions.VmOperate, Permissions.Profile],
    };

    /// <summary>What each token scope allows at most; each scope includes the one below (read ⊂ operate ⊂ manage).</summary>
    private static readonly Dictionary<string, HashSet<string>> ByScope = new(StringComparer.Ordinal)
    {
        [ApiScopes.Read] = [.. Read, Permissions.AuditRead, Permissions.InvoiceRead, Permissions.OperationsRead],
        [ApiScopes.Operate] = [.. Read, Permissions.AuditRead, Permissions.InvoiceRead, Permissions.OperationsRead, Permissions.VmOperate, Permissions.AlertManage],
        [ApiScopes.Manage] = [.. Read, Permissions.AuditRead, Permissions.OperationsRead, Permissions.VmOperate, Permissions.AlertManage, Permissions.VmCreate, Permissions.ImageUpload, Permissions.NetworkManage, Permissions.UserManage, Permissions.CustomerManage, Permissions.ResellerManage, Permissions.ThemeManage, Permissions.PriceManage, Permissions.ContractManage, Permissions.InvoiceRead, Permissions.InvoiceIssue, Permissions.WebhookManage],
    };

    /// <summary>The highest scope of a principal that came with an API token; null for a person (cookie or Basic).</summary>
    public static AccessLevel? TokenLevel(ClaimsPrincipal? user) =>
        user?.Identity?.AuthenticationType == "token"
            ? user.FindAll(ApiTokenAuthenticationHandler.ScopeClaim).Select(c => ApiScopes.LevelOf(c.Value) ?? AccessLevel.None).DefaultIfEmpty(AccessLevel.None).Max()
            : null;

    public bool Has(string permission)
    {
        if (tenant.IsSystem)
        {
            return true;
        }

        if (tenant.Role is not { } role || !ByRole.TryGetValue(role, out var granted) || !granted.Contains(permission))
        {
            return false;
        }

        return TokenLevel(http.HttpContext?.User) switch
        {
            null => true,
            var level => ByScope.TryGetValue(ApiScopes.Of(level.Value), out var allowed) && level > AccessLevel.None && allowed.Contains(permission),
        };
    }
}
