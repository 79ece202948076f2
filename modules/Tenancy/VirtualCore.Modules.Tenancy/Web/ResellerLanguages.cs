using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Domain;
using VirtualCore.Modules.Tenancy.Features.Themes;

namespace VirtualCore.Modules.Tenancy.Web;

/// <summary>A reseller's language and the theme its portal speaks with, for what is said outside a request.</summary>
internal sealed class ResellerLanguages(IServiceScopeFactory scopes, ThemeVersionLoader versions) : IResellerLanguages
{
    public async ValueTask<(string Language, string? Theme)> OfAsync(Guid resellerId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ScopedTenantContext>().Use(SystemTenantContext.Instance);
        var reseller = await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Set<Reseller>().AsNoTracking()
            .Where(r => r.Id == resellerId)
            .Select(r => new { r.Language, r.ThemeName, r.ActiveThemeVersionId })
            .SingleOrDefaultAsync(cancellationToken);
        if (reseller is null)
        {
            return (PortalLanguages.English, null);
        }

        var theme = reseller.ActiveThemeVersionId is { } version && await versions.EnsureLoadedAsync(version, resellerId, cancellationToken)
            ? ThemeVersionKeys.Of(version)
            : reseller.ThemeName;
        return (PortalLanguages.IsSupported(reseller.Language) ? reseller.Language : PortalLanguages.English, theme);
    }
}
