using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Contracts;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>Permissions by role. Per-VM grants refine this for customer users.</summary>
internal sealed class RolePermissionChecker(ITenantContext tenant) : IPermissionChecker
{
    private static readonly Dictionary<string, HashSet<string>> ByRole = new(StringComparer.Ordinal)
    {
        [TenantClaims.OperatorRole] = [Permissions.NodeRead, Permissions.VmRead, Permissions.JobRead],
        [TenantClaims.CustomerAdminRole] = [Permissions.NodeRead, Permissions.VmRead, Permissions.VmCreate, Permissions.VmOperate, Permissions.JobRead],
        [TenantClaims.CustomerUserRole] = [Permissions.NodeRead, Permissions.VmRead, Permissions.VmOperate, Permissions.JobRead],
    };

    public bool Has(string permission)
    {
        if (tenant.IsSystem)
        {
            return true;
        }

        return tenant.Role is { } role && ByRole.TryGetValue(role, out var granted) && granted.Contains(permission);
    }
}
