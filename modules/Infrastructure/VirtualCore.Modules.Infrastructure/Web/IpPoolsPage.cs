using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Infrastructure.Features;

namespace VirtualCore.Modules.Infrastructure.Web;

/// <summary>GET /operations/ip-pools: the provider's address pools, their use, a form for a new one and each pool's reverse zone.</summary>
internal static class IpPoolsPage
{
    public const string Template = "Infrastructure/IpPools.sbn-html";

    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/operations/ip-pools", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var pools = await sender.Send(new ListIpPools(), http.RequestAborted);
            var model = new IpPoolsModel(pools.Select(p => new IpPoolRow(
                p.Id.ToString(),
                p.Name,
                p.Subnet,
                $"{p.FirstAddress} – {p.LastAddress}",
                p.Gateway ?? "",
                string.Join(", ", p.DnsServers),
                p.CustomerId is null ? (p.NodeNames.Count == 0 ? "every customer, all rack servers" : "every customer on " + string.Join(", ", p.NodeNames)) : "one vDataCenter",
                p.Used,
                p.Size,
                p.Size <= 0 ? 0 : (int)Math.Clamp(p.Used * 100L / p.Size, 0, 100))).ToArray());
            return await renderer.RenderAsync(http, Template, "IP pools", model);
        }).RequireAuthorization().ExcludeFromDescription();
}

/// <summary>What Infrastructure/IpPools.sbn-html shows.</summary>
/// <param name="Pools">The pools by name.</param>
public sealed record IpPoolsModel(IReadOnlyList<IpPoolRow> Pools);

/// <summary>One pool.</summary>
/// <param name="Id">Its id (for its reverse zone).</param>
/// <param name="Name">Its name.</param>
/// <param name="Subnet">Its subnet (CIDR).</param>
/// <param name="Range">The addresses handed out.</param>
/// <param name="Gateway">The gateway, or empty.</param>
/// <param name="Dns">The DNS servers.</param>
/// <param name="For">Whose VMs draw from it, in words.</param>
/// <param name="Used">Addresses held.</param>
/// <param name="Size">Addresses in the range.</param>
/// <param name="Percent">Held of the range, 0–100.</param>
public sealed record IpPoolRow(string Id, string Name, string Subnet, string Range, string Gateway, string Dns, string For, int Used, long Size, int Percent);
