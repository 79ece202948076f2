using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Domain;
using VirtualCore.Modules.Tenancy.Features;
using VirtualCore.Modules.Tenancy.Features.Themes;

namespace VirtualCore.Modules.Tenancy.Web;

/// <summary>The reseller whose portal answers on a request's host name.</summary>
internal sealed class HostTenantResolver(PortalDbContext db) : IHostTenantResolver
{
    public async ValueTask<RequestReseller?> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var name = TenancyRules.NormaliseHost(host);
        return await db.Set<ResellerHostName>().AsNoTracking()
            .Where(h => h.HostName == name)
            .Join(db.Set<Reseller>(), h => h.ResellerId, r => r.Id, (_, r) => new { r.Id, r.Name, r.BrandName, r.ThemeName, r.ActiveThemeVersionId, r.IsProvider, r.Language })
            .SingleOrDefaultAsync(cancellationToken) is { } r
            ? new RequestReseller(r.Id, r.Name, r.BrandName, r.ActiveThemeVersionId is { } version ? ThemeVersionKeys.Of(version) : r.ThemeName, r.IsProvider, r.Language)
            : null;
    }
}
