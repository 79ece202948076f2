using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;

namespace VirtualCore.Modules.Billing.Web;

/// <summary>Contracts: /api/v1/contracts and the pages /admin/contracts and /admin/contracts/{id}/cancel.</summary>
internal static class ContractsEndpoints
{
    public const string Template = "Billing/Contracts.sbn-html";

    public const string CancelTemplate = "Billing/CancelContract.sbn-html";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1/contracts").RequireAuthorization().WithTags("Contracts");
        api.MapGet("/", (ISender sender, CancellationToken ct) => sender.Send(new ListContracts(), ct))
            .RequireScope(ApiScopes.Read).WithName("ListContracts")
            .WithSummary("Your contracts (a reseller's staff: its customers'; the operator: all), oldest first.")
            .Produces<IReadOnlyList<ContractView>>();
        api.MapPost("/", async (OrderContract? body, ISender sender, CancellationToken ct) =>
            {
                var ordered = await sender.Send(body ?? new OrderContract(null, false), ct);
                return Results.Created($"/api/v1/contracts/{ordered.Id}", ordered);
            })
            .RequireScope(ApiScopes.Manage).WithName("OrderContract")
            .WithSummary("Orders a product your reseller offers, at its current monthly price, from today, for a minimum term of 12 months. `consumer: true` when you order as a consumer.")
            .Produces<ContractView>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{contractId:guid}/cancellation", (Guid contractId, ISender sender, CancellationToken ct) => sender.Send(new PreviewCancellation(contractId), ct))
            .RequireScope(ApiScopes.Read).WithName("PreviewCancellation")
            .WithSummary("The day the contract would end with notice given today, and why; nothing changes.")
            .Produces<CancellationPreview>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{contractId:guid}/cancellation", (Guid contractId, ISender sender, CancellationToken ct) => sender.Send(new CancelContract(contractId), ct))
            .RequireScope(ApiScopes.Manage).WithName("CancelContract")
            .WithSummary("Gives notice today; the answer has the contract's last day (as the preview said).")
            .Produces<ContractView>().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        var pages = endpoints.MapGroup("/admin/contracts").RequireAuthorization().ExcludeFromDescription();
        pages.MapGet("/", (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) => RenderAsync(http, renderer, sender, tenant, "", StatusCodes.Status200OK));
        pages.MapPost("/", async (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) =>
            {
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                try
                {
                    await sender.Send(new OrderContract(form["productCode"].ToString(), form["consumer"] == "on"), http.RequestAborted);
                    return Results.Redirect("/admin/contracts");
                }
                catch (RequestValidationException ex)
                {
                    return await RenderAsync(http, renderer, sender, tenant, string.Join(" ", ex.Errors.Select(e => e.Reason)), StatusCodes.Status400BadRequest);
                }
            }).AddEndpointFilter<AntiforgeryFilter>();
        pages.MapGet("/{contractId:guid}/cancel", async (Guid contractId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            {
                var preview = await sender.Send(new PreviewCancellation(contractId), http.RequestAborted);
                var contract = preview.Contract;
                var model = new CancelContractModel(
                    contract.Id.ToString(), contract.ProductName, PageFormat.Day(contract.StartsOn), PageFormat.Day(contract.MinimumTermEndsOn), PageFormat.Day(preview.NoticeGivenOn), PageFormat.Day(preview.EndsOn), preview.Rule);
                return await renderer.RenderAsync(http, CancelTemplate, "Give notice", model);
            });
        pages.MapPost("/{contractId:guid}/cancel", async (Guid contractId, HttpContext http, ISender sender) =>
            {
                await sender.Send(new CancelContract(contractId), http.RequestAborted);
                return Results.Redirect("/admin/contracts");
            }).AddEndpointFilter<AntiforgeryFilter>();
    }

    private static async Task<IResult> RenderAsync(HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant, string error, int status)
    {
        var contracts = await sender.Send(new ListContracts(), http.RequestAborted);
        var orders = tenant.Role == TenantClaims.CustomerAdminRole && http.RequestServices.GetRequiredService<IPermissionChecker>().Has(Identity.Contracts.Permissions.ContractManage);
        var offer = orders ? (await sender.Send(new GetCatalogue(), http.RequestAborted)).Products : [];
        var model = new ContractsModel(
            contracts.Select(c => new ContractRow(
                c.Id.ToString(), c.Customer, c.ProductName, Money.Amount(c.MonthlyNet), PageFormat.Day(c.StartsOn), PageFormat.Day(c.MinimumTermEndsOn),
                c.Consumer, PageFormat.Day(c.EndsOn), c.EndsOn is null && (tenant.CustomerId is null || orders))).ToArray(),
            tenant.CustomerId is null,
            orders,
            offer.Select(p => new OfferOption(p.Code, p.Name, Money.Amount(p.RetailMonthlyNet))).ToArray(),
            error);
        return await renderer.RenderAsync(http, Template, "Contracts", model, status);
    }
}

/// <summary>What Billing/Contracts.sbn-html shows.</summary>
/// <param name="Contracts">The contracts the caller sees, oldest first.</param>
/// <param name="ShowsCustomer">The list holds several customers' contracts (staff).</param>
/// <param name="CanOrder">The caller orders for its account (a customer's administrator).</param>
/// <param name="Offer">What the caller's reseller offers.</param>
/// <param name="Error">Why the last order was refused.</param>
public sealed record ContractsModel(IReadOnlyList<ContractRow> Contracts, bool ShowsCustomer, bool CanOrder, IReadOnlyList<OfferOption> Offer, string Error);

/// <param name="Id">The contract's id.</param>
/// <param name="Customer">The customer's company (staff only).</param>
/// <param name="Product">The product's name.</param>
/// <param name="MonthlyNet">EUR a month, net.</param>
/// <param name="Starts">Its first day.</param>
/// <param name="MinimumTermEnds">The last day of its minimum term.</param>
/// <param name="Consumer">Ordered as a consumer.</param>
/// <param name="Ends">Its last day once notice was given; empty while it runs on.</param>
/// <param name="CanCancel">The caller may give notice on it.</param>
public sealed record ContractRow(string Id, string Customer, string Product, string MonthlyNet, string Starts, string MinimumTermEnds, bool Consumer, string Ends, bool CanCancel);

/// <param name="Code">The product's code.</param>
/// <param name="Name">Its name.</param>
/// <param name="MonthlyNet">EUR a month, net.</param>
public sealed record OfferOption(string Code, string Name, string MonthlyNet);

/// <summary>What Billing/CancelContract.sbn-html shows: the day the contract ends before notice is given.</summary>
/// <param name="Id">The contract's id.</param>
/// <param name="Product">The product's name.</param>
/// <param name="Starts">Its first day.</param>
/// <param name="MinimumTermEnds">The last day of its minimum term.</param>
/// <param name="NoticeOn">Today.</param>
/// <param name="EndsOn">Its last day with notice given today.</param>
/// <param name="Rule">Why that day.</param>
public sealed record CancelContractModel(string Id, string Product, string Starts, string MinimumTermEnds, string NoticeOn, string EndsOn, string Rule);
