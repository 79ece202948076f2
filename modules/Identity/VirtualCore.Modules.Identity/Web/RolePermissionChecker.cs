using Microsoft.AspNetCore.Http;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Contracts;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>Permissions by role, narrowed by an API token's scopes when the request came with one.</summary>
internal sealed class RolePermissionChecker(ITenantContext tenant, IHttpContextAccessor http) : IPermissionChecker
{
    private static readonly string[] Read = [Permissions.NodeRead, Permissions.VmRead, Permissions.JobRead];

    private static readonly Dictionary<string, HashSet<string>> ByRole = new(StringComparer.Ordinal)
    {
        [TenantClaims.OperatorRole] = [.. Read, Permissions.Profile, Permissions.UserManage, Permissions.CustomerManage, Permissions.ResellerManage, Permissions.AuditRead],
        [TenantClaims.ResellerAdminRole] = [.. Read, Permissions.Profile, Permissions.UserManage, Permissions.CustomerManage, Permissions.AuditRead],
        [TenantClaims.CustomerAdminRole] = [.. Read, Permissions.VmCreate, Permissions.VmOperate, Permissions.Profile, Permissions.UserManage, Permissions.AuditRead],
        [TenantClaims.CustomerUserRole] = [.. Read, Permissions.VmOperate, Permissions.Profile],
    };

    /// <summary>What each token scope allows at most.</summary>
    private static readonly Dictionary<string, HashSet<string>> ByScope = new(StringComparer.Ordinal)
    {
        ["read"] = [.. Read, Permissions.AuditRead],
        ["operate"] = [.. Read, Permissions.VmOperate],
        ["manage"] = [.. Read, Permissions.VmOperate, Permissions.VmCreate, Permissions.UserManage, Permissions.CustomerManage, Permissions.ResellerManage, Permissions.AuditRead],
    };

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

        var scopes = http.HttpContext?.User.FindAll(ApiTokenAuthenticationHandler.ScopeClaim).Select(c => c.Value).ToArray() ?? [];
        var viaToken = http.HttpContext?.User.Identity?.AuthenticationType == "token";
        return !viaToken || scopes.Any(scope => ByScope.TryGetValue(scope, out var allowed) && allowed.Contains(permission));
    }
}
