using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Migrate;
using VirtualCore.Modules.Identity.Contracts;

namespace VirtualCore.Modules.Compute.Web.Pages;

/// <summary>The model of <c>Compute/Nodes.sbn-html</c>: the rack servers, and the VMs the user may move between them.</summary>
/// <param name="Nodes">Each rack server with the movable VMs on it.</param>
/// <param name="CanMove">True when the user may move any VM.</param>
/// <param name="Jobs">The latest moves, newest first.</param>
/// <param name="VmFilter">Empty: the live job feed shows every VM's moves.</param>
/// <param name="Summary">Every rack server's totals, whatever the filter.</param>
/// <param name="Filter">The filter as given (unknown values are dropped).</param>
/// <param name="Pages">Where this page is, and the links to its neighbours.</param>
/// <param name="CanSeeUsage">The caller is the provider's: each rack server links to its page with usage graphs.</param>
public sealed record NodesModel(IReadOnlyList<NodeEntry> Nodes, bool CanMove, IReadOnlyList<JobRow> Jobs, string VmFilter, NodesSummary Summary, NodesFilter Filter, NodesPager Pages, bool CanSeeUsage = false);

/// <summary>The totals over every rack server.</summary>
/// <param name="Count">Rack servers.</param>
/// <param name="Online">Those whose agent reports.</param>
/// <param name="Offline">Those whose agent does not.</param>
/// <param name="CoresUsed">Cores VMs hold.</param>
/// <param name="CoresTotal">Cores for VMs.</param>
/// <param name="CoresPercent">The share of cores held, 0–100.</param>
/// <param name="MemoryUsed">RAM VMs hold, in words.</param>
/// <param name="MemoryTotal">RAM for VMs, in words.</param>
/// <param name="MemoryPercent">The share of RAM held, 0–100.</param>
public sealed record NodesSummary(int Count, int Online, int Offline, int CoresUsed, int CoresTotal, int CoresPercent, string MemoryUsed, string MemoryTotal, int MemoryPercent);

/// <summary>The rack-server page's filter.</summary>
/// <param name="Search">Text in the name or CPU model, or empty.</param>
/// <param name="Status">"online", "offline", "mine" (the rack servers the user's movable VMs run on) or empty.</param>
/// <param name="Active">True when the filter narrows the list.</param>
public sealed record NodesFilter(string Search, string Status, bool Active);

/// <summary>Where a page of rack servers is.</summary>
/// <param name="First">The number of this page's first rack server (1-based), 0 when none matches.</param>
/// <param name="Last">The number of its last one.</param>
/// <param name="Matching">How many match the filter.</param>
/// <param name="PreviousUrl">The page before, or empty on the first.</param>
/// <param name="NextUrl">The page after, or empty on the last.</param>
public sealed record NodesPager(int First, int Last, int Matching, string PreviousUrl, string NextUrl);

/// <summary>A rack server on the page.</summary>
/// <param name="Card">Its capacity and use.</param>
/// <param name="Vms">The VMs on it the user may move.</param>
public sealed record NodeEntry(NodeCard Card, IReadOnlyList<MovableVm> Vms);

/// <summary>A VM the user may move to another rack server.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Its name.</param>
/// <param name="State">Its state.</param>
/// <param name="Busy">True while a job on it is open.</param>
/// <param name="Targets">The other rack servers' names.</param>
public sealed record MovableVm(string Id, string Name, string State, bool Busy, IReadOnlyList<string> Targets);

/// <summary>GET /nodes: the rack servers with their capacity; VMs are moved here by drag and drop.</summary>
internal static class NodesPage
{
    public const string Template = "Compute/Nodes.sbn-html";

    /// <summary>Rack servers per page.</summary>
    public const int PageSize = 48;

    public static void Map(RouteGroupBuilder pages) =>
        pages.MapGet("/nodes", async (HttpContext http, IPageRenderer renderer, ISender sender, string? search, string? status, string? page) =>
        {
            var all = await sender.Send(new ListNodeUsage(), http.RequestAborted);
            var access = http.RequestServices.GetRequiredService<IResourceAccess>();

            // Only the VMs this user may move: a customer sees its own, never another's. Operators and resellers only
            // look at customers' VMs, so the list of every VM is not read for them.
            var movable = new List<VmView>();
            if (http.RequestServices.GetRequiredService<ITenantContext>().CustomerId is not null)
            {
                foreach (var vm in await sender.Send(new ListVms(), http.RequestAborted))
                {
                    if (await access.VmAccessAsync(vm.Id, http.RequestAborted) >= MigrateVmHandlers.Action.Level)
                    {
                        movable.Add(vm);
                    }
                }
            }

            // A page's address is typed and shared by people: what the page cannot filter by is left out, not refused.
            var text = PageForms.Blank(search)?.Trim() is { } s ? s[..Math.Min(s.Length, 100)] : "";
            var only = status is "online" or "offline" || (status == "mine" && movable.Count > 0) ? status! : "";
            var hosting = movable.Select(vm => vm.NodeName).ToHashSet(StringComparer.Ordinal);
            var matching = all
                .Where(n => text.Length == 0 || n.Name.Contains(text, StringComparison.OrdinalIgnoreCase) || n.CpuModel.Contains(text, StringComparison.OrdinalIgnoreCase))
                .Where(n => only switch { "online" => n.Online, "offline" => !n.Online, "mine" => hosting.Contains(n.Name), _ => true })
                .ToList();
            var pageCount = Math.Max(1, (matching.Count + PageSize - 1) / PageSize);
            var number = Math.Clamp(PageForms.Int(page), 1, pageCount);
            var nodes = matching.Skip((number - 1) * PageSize).Take(PageSize).ToList();

            // Every other rack server is each VM's target, on whichever page it is: one list per server, shared by its VMs.
            var names = all.Select(n => n.Name).ToArray();
            var targets = nodes.ToDictionary(n => n.Name, n => (IReadOnlyList<string>)names.Where(t => t != n.Name).ToArray(), StringComparer.Ordinal);

            var moves = movable.Count == 0 ? [] : await sender.Send(new ListJobs(Action: MigrateVmHandlers.Action.Name, Limit: 20), http.RequestAborted);
            var query = ListLinks.Query(("search", text), ("status", only));
            var first = nodes.Count == 0 ? 0 : ((number - 1) * PageSize) + 1;
            var coresTotal = all.Sum(n => n.CoresForVms);
            var coresUsed = all.Sum(n => n.UsedCores);
            var memoryTotal = all.Sum(n => n.MemoryForVmsBytes);
            var memoryUsed = all.Sum(n => n.UsedMemoryBytes);
            return await renderer.RenderAsync(http, Template, "Rack servers", new NodesModel(
                nodes.Select(n => new NodeEntry(
                    NodeCard.Of(n),
                    movable.Where(vm => vm.NodeName == n.Name)
                        .Select(vm => new MovableVm(vm.Id.ToString(), vm.Name, vm.State, vm.OpenJobId is not null, targets[n.Name]))
                        .ToArray()))
                    .ToArray(),
                movable.Count > 0,
                moves.Select(JobRow.Of).ToArray(),
                "",
                new NodesSummary(
                    all.Count, all.Count(n => n.Online), all.Count(n => !n.Online), coresUsed, coresTotal, PageFormat.Percent(coresUsed, coresTotal),
                    PageFormat.Bytes(memoryUsed), PageFormat.Bytes(memoryTotal), PageFormat.Percent(memoryUsed, memoryTotal)),
                new NodesFilter(text, only, text.Length > 0 || only.Length > 0),
                new NodesPager(first, first == 0 ? 0 : first + nodes.Count - 1, matching.Count, number > 1 ? ListLinks.Page("/nodes", query, number - 1) : "", number < pageCount ? ListLinks.Page("/nodes", query, number + 1) : ""),
                http.RequestServices.GetRequiredService<IPermissionChecker>().Has(Permissions.OperationsRead)));
        });
}
