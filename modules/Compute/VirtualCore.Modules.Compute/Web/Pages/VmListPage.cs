using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Modules.Compute.Web.Pages;

/// <summary>The model of <c>Compute/VmList.sbn-html</c>: one page of the account's vServers.</summary>
/// <param name="Vms">The VMs of this page that match the filter.</param>
/// <param name="CanCreate">True when the user may create VMs.</param>
/// <param name="Capacity">The vDataCenter's use and limits, for users who may create VMs.</param>
/// <param name="Filter">The filter and order as given (unknown values are dropped).</param>
/// <param name="Pages">Where this page is, and the links to its neighbours.</param>
public sealed record VmListModel(IReadOnlyList<VmRow> Vms, bool CanCreate, CapacityRow? Capacity, VmListFilter Filter, VmListPager Pages);

/// <summary>The VM list's filter.</summary>
/// <param name="Search">Text in the name, or empty.</param>
/// <param name="State">Only this state, or empty.</param>
/// <param name="Sort">The order: one of <see cref="Sorts"/>'s values.</param>
/// <param name="States">The states to filter by.</param>
/// <param name="Sorts">The orders to choose from.</param>
/// <param name="Active">True when a search or state narrows the list.</param>
public sealed record VmListFilter(string Search, string State, string Sort, IReadOnlyList<string> States, IReadOnlyList<VmSortOption> Sorts, bool Active);

/// <summary>An order of the VM list.</summary>
/// <param name="Value">The value of <c>sort</c>.</param>
/// <param name="Label">What the user reads.</param>
public sealed record VmSortOption(string Value, string Label);

/// <summary>Where a page of the VM list is.</summary>
/// <param name="First">The number of this page's first VM (1-based), 0 when the page is empty.</param>
/// <param name="Last">The number of its last VM.</param>
/// <param name="PreviousUrl">The page before, or empty on the first.</param>
/// <param name="NextUrl">The page after, or empty on the last.</param>
public sealed record VmListPager(int First, int Last, string PreviousUrl, string NextUrl);

/// <summary>GET /vms: the VM list, filtered, sorted and paged in the database.</summary>
internal static class VmListPage
{
    public const string Template = "Compute/VmList.sbn-html";

    /// <summary>VMs per page.</summary>
    public const int PageSize = 100;

    private static readonly VmSortOption[] Sorts =
    [
        new("name", "Name A–Z"), new("-name", "Name Z–A"), new("state", "State"), new("node", "Rack server"),
        new("-created", "Newest first"), new("created", "Oldest first"),
    ];

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/", () => Results.Redirect("/vms"));
        pages.MapGet("/vms", async (HttpContext http, IPageRenderer renderer, ISender sender, IPermissionChecker permissions, string? search, string? state, string? sort, string? page) =>
        {
            // A page's address is typed and shared by people: what the list cannot filter by is left out, not refused.
            var text = PageForms.Blank(search)?.Trim() is { } s ? s[..Math.Min(s.Length, 63)] : "";
            var only = state is not null && VmStates.All.Contains(state) ? state : "";
            var order = sort is not null && VmSorts.All.Contains(sort) ? sort : "name";
            var number = Math.Clamp(PageForms.Int(page), 1, 100_000);

            var rows = await sender.Send(new ListVms(PageForms.Blank(text), PageForms.Blank(only), order, PageSize + 1, (number - 1) * PageSize), http.RequestAborted);
            var canCreate = permissions.Has(Identity.Contracts.Permissions.VmCreate);
            var capacity = canCreate ? CapacityRow.Of(await sender.Send(new GetVdcCapacity(), http.RequestAborted)) : null;

            var query = ListLinks.Query(("search", text), ("state", only), ("sort", order == "name" ? "" : order));
            var shown = rows.Take(PageSize).Select(VmRow.Of).ToArray();
            var first = shown.Length == 0 ? 0 : ((number - 1) * PageSize) + 1;
            return await renderer.RenderAsync(http, Template, "vServers", new VmListModel(
                shown,
                canCreate,
                capacity,
                new VmListFilter(text, only, order, VmStates.All.Where(v => v != VmStates.Deleted).ToArray(), Sorts, text.Length > 0 || only.Length > 0),
                new VmListPager(first, first == 0 ? 0 : first + shown.Length - 1, number > 1 ? ListLinks.Page("/vms", query, number - 1) : "", rows.Count > PageSize ? ListLinks.Page("/vms", query, number + 1) : "")));
        });
    }
}
