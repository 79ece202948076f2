using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Migrate;

namespace VirtualCore.Modules.Compute.Web.Pages;

/// <summary>The model of <c>Compute/Nodes.sbn-html</c>: the rack servers, and the VMs the user may move between them.</summary>
/// <param name="Nodes">Each rack server with the movable VMs on it.</param>
/// <param name="CanMove">True when the user may move any VM.</param>
/// <param name="Jobs">The latest moves, newest first.</param>
/// <param name="VmFilter">Empty: the live job feed shows every VM's moves.</param>
public sealed record NodesModel(IReadOnlyList<NodeEntry> Nodes, bool CanMove, IReadOnlyList<JobRow> Jobs, string VmFilter);

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

    public static void Map(RouteGroupBuilder pages) =>
        pages.MapGet("/nodes", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var nodes = await sender.Send(new ListNodeUsage(), http.RequestAborted);
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

            // The other rack servers are each VM's targets: one list per server, shared by its VMs.
            var names = nodes.Select(n => n.Name).ToArray();
            var targets = names.ToDictionary(n => n, n => (IReadOnlyList<string>)names.Where(t => t != n).ToArray(), StringComparer.Ordinal);

            var moves = movable.Count == 0 ? [] : await sender.Send(new ListJobs(Action: MigrateVmHandlers.Action.Name, Limit: 20), http.RequestAborted);
            return await renderer.RenderAsync(http, Template, "Rack servers", new NodesModel(
                nodes.Select(n => new NodeEntry(
                    NodeCard.Of(n),
                    movable.Where(vm => vm.NodeName == n.Name)
                        .Select(vm => new MovableVm(vm.Id.ToString(), vm.Name, vm.State, vm.OpenJobId is not null, targets[n.Name]))
                        .ToArray()))
                    .ToArray(),
                movable.Count > 0,
                moves.Select(JobRow.Of).ToArray(),
                ""));
        });
}
