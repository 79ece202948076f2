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

    public const string UpgradeTemplate = "Billing/UpgradeContract.sbn-html";

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
        api.MapGet("/{contractId:guid}/upgrade", (Guid contractId, ISender sender, CancellationToken ct) => sender.Send(new GetUpgradeOptions(contractId), ct))
            .RequireScope(ApiScopes.Read).WithName("GetUpgradeOptions")
            .WithSummary("The larger plans of the same kind your reseller offers for this contract, with what each costs a month more, and the days an upgrade can start on.")
            .Produces<UpgradeOptions>().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{contractId:guid}/upgrade", async (Guid contractId, UpgradeInput? body, ISender sender, CancellationToken ct) =>
            {
                var larger = await sender.Send(new UpgradeContract(contractId, body?.ProductCode, body?.From), ct);
                return Results.Created($"/api/v1/contracts/{larger.Id}", larger);
            })
            .RequireScope(ApiScopes.Manage).WithName("UpgradeContract")
            .WithSummary("Replaces the plan with a larger one from a day (today when not given): this contract ends the day before, the new one keeps its minimum term, and days already invoiced after that are credited on the next invoice. Your vDataCenter grows on that day.")
            .Produces<ContractView>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

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
        pages.MapGet("/{contractId:guid}/upgrade", (Guid contractId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            RenderUpgradeAsync(http, renderer, sender, contractId, "", "", StatusCodes.Status200OK));
        pages.MapPost("/{contractId:guid}/upgrade", async (Guid contractId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            {
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                var code = form["productCode"].ToString();
                var fromText = form["from"].ToString();
                DateOnly? from = null;
                try
                {
                    if (fromText.Length > 0)
                    {
                        from = DateOnly.TryParseExact(fromText, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day)
                            ? day
                            : throw new RequestValidationException("from", "Give the day as yyyy-MM-dd.");
                    }

                    await sender.Send(new UpgradeContract(contractId, code, from), http.RequestAborted);
                    return Results.Redirect("/admin/contracts");
                }
                catch (RequestValidationException ex)
                {
                    return await RenderUpgradeAsync(http, renderer, sender, contractId, code, fromText, StatusCodes.Status400BadRequest, ex.Errors);
                }
            }).AddEndpointFilter<AntiforgeryFilter>();
        pages.MapPost("/{contractId:guid}/cancel", async (Guid contractId, HttpContext http, ISender sender) =>
            {
                await sender.Send(new CancelContract(contractId), http.RequestAborted);
                return Results.Redirect("/admin/contracts");
            }).AddEndpointFilter<AntiforgeryFilter>();
    }

    private static async Task<IResult> RenderUpgradeAsync(
        HttpContext http, IPageRenderer renderer, ISender sender, Guid contractId, string code, string from, int status, IReadOnlyList<FieldError>? errors = null)
    {
        var options = await sender.Send(new GetUpgradeOptions(contractId), http.RequestAborted);
        var contract = options.Contract;
        var chosen = code.Length > 0 ? code : options.Plans.FirstOrDefault()?.Code ?? "";
        var model = new UpgradeContractModel(
            contract.Id.ToString(), contract.ProductName, Money.Amount(contract.MonthlyNet), Sizes(contract.Cores, contract.MemoryGiB, contract.DiskGiB),
            PageFormat.Day(contract.MinimumTermEndsOn),
            options.Plans.Select(p => new UpgradePlanRow(p.Code, p.Name, Money.Amount(p.MonthlyNet), Money.Amount(p.MonthlyDifference), Sizes(p.Cores, p.MemoryGiB, p.DiskGiB), p.Code == chosen)).ToArray(),
            from.Length > 0 ? from : PageFormat.Day(options.EarliestFrom), PageFormat.Day(options.EarliestFrom), PageFormat.Day(options.LatestFrom),
            (errors ?? []).ToDictionary(e => e.Field, e => e.Reason));
        return await renderer.RenderAsync(http, UpgradeTemplate, "Upgrade", model, status);
    }

    private static string Sizes(int? cores, int? memoryGiB, int? diskGiB) =>
        cores is null && memoryGiB is null && diskGiB is null ? "" : $"{cores ?? 0} / {memoryGiB ?? 0} / {diskGiB ?? 0}";

    private static async Task<IResult> RenderAsync(HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant, string error, int status)
    {
        var contracts = await sender.Send(new ListContracts(), http.RequestAborted);
        var orders = tenant.Role == TenantClaims.CustomerAdminRole && http.RequestServices.GetRequiredService<IPermissionChecker>().Has(Identity.Contracts.Permissions.ContractManage);
        var offer = orders ? (await sender.Send(new GetCatalogue(), http.RequestAborted)).Products : [];
        var model = new ContractsModel(
            contracts.Select(c => new ContractRow(
                c.Id.ToString(), c.Customer, c.ProductName, Money.Amount(c.MonthlyNet), PageFormat.Day(c.StartsOn), PageFormat.Day(c.MinimumTermEndsOn),
                c.Consumer, PageFormat.Day(c.EndsOn), c.EndsOn is null && (tenant.CustomerId is null || orders),
                Sizes(c.Cores, c.MemoryGiB, c.DiskGiB), c.ReplacedById is not null, orders && c.EndsOn is null && c.Kind is ProductKinds.VServer or ProductKinds.VDataCenter)).ToArray(),
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
/// <param name="Sizes">A plan's cores / GiB RAM / GiB disk; empty for an add-on.</param>
/// <param name="Replaced">A larger plan replaces it after its last day.</param>
/// <param name="CanUpgrade">The caller may replace it with a larger plan.</param>
public sealed record ContractRow(
    string Id, string Customer, string Product, string MonthlyNet, string Starts, string MinimumTermEnds, bool Consumer, string Ends, bool CanCancel, string Sizes, bool Replaced, bool CanUpgrade);

/// <summary>What Billing/UpgradeContract.sbn-html shows: the larger plans, and the day the upgrade starts.</summary>
/// <param name="Id">The contract's id.</param>
/// <param name="Product">The plan's name.</param>
/// <param name="MonthlyNet">What it costs a month now, EUR net.</param>
/// <param name="Sizes">Its cores / GiB RAM / GiB disk.</param>
/// <param name="MinimumTermEnds">The last day of the minimum term, which the upgrade keeps.</param>
/// <param name="Plans">The larger plans, smallest first.</param>
/// <param name="From">The day typed, or today.</param>
/// <param name="EarliestFrom">Today.</param>
/// <param name="LatestFrom">A year from today.</param>
/// <param name="Errors">Why the last try was refused, by field.</param>
public sealed record UpgradeContractModel(
    string Id, string Product, string MonthlyNet, string Sizes, string MinimumTermEnds, IReadOnlyList<UpgradePlanRow> Plans, string From, string EarliestFrom, string LatestFrom,
    IReadOnlyDictionary<string, string> Errors);

/// <param name="Code">The plan's code.</param>
/// <param name="Name">Its name.</param>
/// <param name="MonthlyNet">EUR a month, net.</param>
/// <param name="Difference">EUR a month more than now.</param>
/// <param name="Sizes">Its cores / GiB RAM / GiB disk.</param>
/// <param name="Chosen">Selected in the form.</param>
public sealed record UpgradePlanRow(string Code, string Name, string MonthlyNet, string Difference, string Sizes, bool Chosen);

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
