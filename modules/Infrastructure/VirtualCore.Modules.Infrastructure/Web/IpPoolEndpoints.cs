using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Security;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Modules.Infrastructure.Features;

namespace VirtualCore.Modules.Infrastructure.Web;

/// <summary>
/// IP pools (/api/v1/ip-pools, the provider's) and a VM's addresses with their reverse DNS names
/// (/api/v1/vms/{id}/addresses, its customer's).
/// </summary>
internal static class IpPoolEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var pools = endpoints.MapGroup("/api/v1/ip-pools").RequireAuthorization().WithTags("Addresses");
        pools.MapGet("/", (ISender sender, CancellationToken ct) => sender.Send(new ListIpPools(), ct))
            .RequireScope(ApiScopes.Read).WithName("ListIpPools").WithSummary("The IP pools with how many of their addresses VMs hold (the provider's).");
        pools.MapPost("/", async (CreateIpPool? body, ISender sender, CancellationToken ct) =>
            {
                var pool = await sender.Send(body ?? new CreateIpPool(null, null, null, null, null, null, null, null), ct);
                return Results.Created($"/api/v1/ip-pools/{pool.Id}", pool);
            })
            .RequireScope(ApiScopes.Manage).WithName("CreateIpPool")
            .WithSummary("Adds a pool: an IPv4 or IPv6 range of a subnet with gateway and DNS servers, for one customer's vDataCenter or for every customer's VMs on the rack servers named. New VMs get one address of each family that has a pool for them.")
            .Produces<IpPoolView>(StatusCodes.Status201Created).ProducesValidationProblem();
        pools.MapDelete("/{poolId:guid}", async (Guid poolId, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new DeleteIpPool(poolId), ct);
                return Results.NoContent();
            })
            .RequireScope(ApiScopes.Manage).WithName("DeleteIpPool").Produces(StatusCodes.Status204NoContent).WithSummary("Removes a pool none of whose addresses is held.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        pools.MapGet("/{poolId:guid}/reverse-zone", async (Guid poolId, ISender sender, CancellationToken ct) =>
                Results.Text(await sender.Send(new GetReverseZone(poolId), ct), "text/dns; charset=utf-8"))
            .RequireScope(ApiScopes.Read).WithName("GetReverseZone").Produces<string>(StatusCodes.Status200OK, "text/dns")
            .WithSummary("The pool's reverse DNS as zone file lines (PTR records of the names customers gave), to include in the in-addr.arpa or ip6.arpa zone.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        var vms = endpoints.MapGroup("/api/v1/vms").RequireAuthorization().WithTags("vServers");
        vms.MapGet("/{vmId:guid}/addresses", (Guid vmId, ISender sender, CancellationToken ct) => sender.Send(new ListVmAddresses(vmId), ct))
            .RequireScope(ApiScopes.Read).WithName("ListVmAddresses")
            .WithSummary("The addresses the VM holds from the provider's pools, with prefix, gateway, DNS servers and reverse DNS name.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        vms.MapPut("/{vmId:guid}/addresses/{address}/reverse-name", (Guid vmId, string address, ReverseNameRequest? body, ISender sender, CancellationToken ct) =>
                sender.Send(new SetReverseName(vmId, address, body?.ReverseName), ct))
            .RequireScope(ApiScopes.Manage).WithName("SetReverseName")
            .WithSummary("Sets the reverse DNS (PTR) name of one of the VM's addresses; empty or null clears it.")
            .Produces<VmAddressView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
    }
}

/// <param name="ReverseName">A fully qualified host name, e.g. "www.example.com"; empty or null: none.</param>
public sealed record ReverseNameRequest(string? ReverseName);
