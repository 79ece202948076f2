using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace VirtualCore.Modules.Tenancy.Web.Pages;

/// <summary>The themed pages under /admin: reseller management for the operator, customer management for resellers.</summary>
internal static class TenancyPages
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin").RequireAuthorization().ExcludeFromDescription();
        ResellersPage.Map(admin);
        CustomersPage.Map(admin);
        ThemePage.Map(endpoints);
    }
}
