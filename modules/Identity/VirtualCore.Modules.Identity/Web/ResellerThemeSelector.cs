using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>The signed-in user's reseller's theme; "Default" before sign-in.</summary>
internal sealed class ResellerThemeSelector(PortalDbContext db, ITenantContext tenant) : IThemeSelector
{
    public async ValueTask<string> ThemeForAsync(HttpContext httpContext)
    {
        if (tenant.ResellerId is not { } resellerId)
        {
            return "Default";
        }

        return await db.Set<Reseller>().AsNoTracking().Where(r => r.Id == resellerId).Select(r => r.ThemeName)
            .SingleOrDefaultAsync(httpContext.RequestAborted) ?? "Default";
    }
}
