using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace VirtualCore.Modules.Compute.Web.Pages;

/// <summary>
/// The themed pages of the module, one file each with its typed model (the theme's contract): VM list, new VM,
/// VM detail with its forms, hardware, rack servers, job log.
/// </summary>
internal static class ComputePages
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").RequireAuthorization().ExcludeFromDescription();
        VmListPage.Map(pages);
        VmNewPage.Map(pages);
        VmDetailPage.Map(pages);
        VmConsolePage.Map(pages);
        VmHardwarePage.Map(pages);
        NodesPage.Map(pages);
        JobLogPage.Map(pages);
    }
}
