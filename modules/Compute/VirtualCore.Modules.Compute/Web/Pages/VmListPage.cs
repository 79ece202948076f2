using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Modules.Compute.Web.Pages;

/// <summary>The model of <c>Compute/VmList.sbn-html</c>: the account's vServers.</summary>
/// <param name="Vms">Every VM the user may see.</param>
/// <param name="CanCreate">True when the user may create VMs.</param>
/// <param name="Capacity">The vDataCenter's use and limits, for users who may create VMs.</param>
public sealed record VmListModel(IReadOnlyList<VmRow> Vms, bool CanCreate, CapacityRow? Capacity);

/// <summary>GET /vms: the VM list.</summary>
internal static class VmListPage
{
    public const string Template = "Compute/VmList.sbn-html";

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/", () => Results.Redirect("/vms"));
        pages.MapGet("/vms", async (HttpContext http, IPageRenderer renderer, ISender sender, IPermissionChecker permissions) =>
        {
            var vms = await sender.Send(new ListVms(), http.RequestAborted);
            var canCreate = permissions.Has(Identity.Contracts.Permissions.VmCreate);
            var capacity = canCreate ? CapacityRow.Of(await sender.Send(new GetVdcCapacity(), http.RequestAborted)) : null;
            return await renderer.RenderAsync(http, Template, "vServers", new VmListModel(vms.Select(VmRow.Of).ToArray(), canCreate, capacity));
        });
    }
}
