using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;

namespace VirtualCore.Modules.Billing.Web;

/// <summary>The catalogue and price lists: /api/v1/catalogue and the page /admin/prices.</summary>
internal static class PricesEndpoints
{
    public const string Template = "Billing/Prices.sbn-html";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1/catalogue").RequireAuthorization().WithTags("Catalogue");
        api.MapGet("/", (ISender sender, CancellationToken ct) => sender.Send(new GetCatalogue(), ct))
            .RequireScope(ApiScopes.Read).WithName("GetCatalogue")
            .WithSummary("The products with their monthly net prices in EUR: a customer gets what its reseller offers at the reseller's price; resellers' staff get every product with the wholesale price and their own.")
            .Produces<Catalogue>();
        api.MapPost("/products", async (CreateProduct? body, ISender sender, CancellationToken ct) =>
            {
                var created = await sender.Send(body ?? new CreateProduct(null, null, null, null, null, null, null, null, null), ct);
                return Results.Created($"/api/v1/catalogue/products/{created.Code}", created);
            })
            .RequireScope(ApiScopes.Manage).WithName("CreateProduct")
            .WithSummary("Adds a plan (vserver, vdatacenter: with cores, RAM and disk) or an add-on with its wholesale price (the operator).")
            .Produces<ProductView>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPut("/products/{code}/wholesale", (string code, PriceInput? body, ISender sender, CancellationToken ct) => sender.Send(new SetWholesalePrice(code, body?.MonthlyNet), ct))
            .RequireScope(ApiScopes.Manage).WithName("SetWholesalePrice")
            .WithSummary("Sets what resellers pay for a product a month, net (the operator). Refused while a reseller charges less than the new price.")
            .Produces<ProductView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPut("/products/{code}/retail", (string code, PriceInput? body, ISender sender, CancellationToken ct) => sender.Send(new SetRetailPrice(code, body?.MonthlyNet), ct))
            .RequireScope(ApiScopes.Manage).WithName("SetRetailPrice")
            .WithSummary("Sets what your customers pay for a product a month, net: at least the wholesale price. `{\"monthlyNet\": null}` stops offering it.")
            .Produces<ProductView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        endpoints.MapGet("/admin/prices", (HttpContext http, IPageRenderer renderer, ISender sender) => RenderAsync(http, renderer, sender, null, null, StatusCodes.Status200OK))
            .RequireAuthorization().ExcludeFromDescription();
        endpoints.MapPost("/admin/prices/{code}/retail", (string code, HttpContext http, IPageRenderer renderer, ISender sender) => SaveAsync(code, "retail", http, renderer, sender))
            .RequireAuthorization().ExcludeFromDescription().AddEndpointFilter<AntiforgeryFilter>();
        endpoints.MapPost("/admin/prices/{code}/wholesale", (string code, HttpContext http, IPageRenderer renderer, ISender sender) => SaveAsync(code, "wholesale", http, renderer, sender))
            .RequireAuthorization().ExcludeFromDescription().AddEndpointFilter<AntiforgeryFilter>();
    }

    /// <summary>A price from a page's form: saved and back to the list, or the list again with the reason beside the product.</summary>
    private static async Task<IResult> SaveAsync(string code, string list, HttpContext http, IPageRenderer renderer, ISender sender)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var typed = form["monthlyNet"].ToString().Trim();
        try
        {
            decimal? price = typed.Length == 0 && list == "retail" ? null : Parse(typed);
            if (list == "retail")
            {
                await sender.Send(new SetRetailPrice(code, price), http.RequestAborted);
            }
            else
            {
                await sender.Send(new SetWholesalePrice(code, price), http.RequestAborted);
            }

            return Results.Redirect("/admin/prices");
        }
        catch (RequestValidationException ex)
        {
            return await RenderAsync(http, renderer, sender, code, string.Join(" ", ex.Errors.Select(e => e.Reason)), StatusCodes.Status400BadRequest);
        }
        catch (ConflictException ex)
        {
            return await RenderAsync(http, renderer, sender, code, ex.Message, StatusCodes.Status409Conflict);
        }
    }

    /// <summary>A price as typed: with a decimal point or comma; anything else is refused by the validator.</summary>
    private static decimal? Parse(string typed) =>
        decimal.TryParse(typed.Replace(',', '.'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var euros) ? euros
        : throw new RequestValidationException("monthlyNet", "Give the monthly net price in EUR.");

    private static async Task<IResult> RenderAsync(HttpContext http, IPageRenderer renderer, ISender sender, string? refusedCode, string? refusal, int status)
    {
        var catalogue = await sender.Send(new GetCatalogue(), http.RequestAborted);
        var rows = catalogue.Products.Select(p => new PriceRow(
            p.Code,
            p.Name,
            p.Kind switch { ProductKinds.VServer => "vServer", ProductKinds.VDataCenter => "vDataCenter", _ => "Add-on" },
            Figure(p.Cores),
            Figure(p.MemoryGiB),
            Figure(p.DiskGiB),
            Figure(p.IpAddresses),
            p.TrafficGiB is null or 0 ? "" : p.TrafficGiB % 1024 == 0 ? $"{p.TrafficGiB / 1024} TiB" : $"{p.TrafficGiB} GiB",
            Money.Amount(p.WholesaleMonthlyNet),
            Money.Amount(p.RetailMonthlyNet),
            p.RetailMonthlyNet is { } retail && p.WholesaleMonthlyNet is { } wholesale ? Money.Amount(retail - wholesale) : "",
            p.RetailMonthlyNet is { } net ? Money.Amount(decimal.Round(net * 1.19m, 2, MidpointRounding.AwayFromZero)) : "",
            p.Code == refusedCode ? refusal ?? "" : "",
            Money.Value(p.WholesaleMonthlyNet),
            Money.Value(p.RetailMonthlyNet))).ToArray();
        var model = new PricesModel(catalogue.Reseller, catalogue.SetsRetail, catalogue.SetsWholesale, rows);
        return await renderer.RenderAsync(http, Template, "Prices", model, status);
    }

    private static string Figure(int? value) => value is null or 0 ? "" : value.Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>What Billing/Prices.sbn-html shows: the catalogue with the caller's prices.</summary>
/// <param name="Reseller">The brand whose prices these are.</param>
/// <param name="SetsRetail">The caller sets the retail prices (a reseller's staff, the operator for the provider's own).</param>
/// <param name="SetsWholesale">The caller sets the wholesale prices (the operator).</param>
/// <param name="Products">The products, plans first.</param>
public sealed record PricesModel(string Reseller, bool SetsRetail, bool SetsWholesale, IReadOnlyList<PriceRow> Products);

/// <summary>One product with its prices, in EUR with two decimals (empty where there is none).</summary>
/// <param name="Code">Its code, for the forms.</param>
/// <param name="Name">Its name.</param>
/// <param name="Kind">vServer, vDataCenter or Add-on.</param>
/// <param name="Cores">Dedicated cores included.</param>
/// <param name="MemoryGib">RAM in GiB included.</param>
/// <param name="DiskGib">Disk in GiB included.</param>
/// <param name="Ips">Public IPv4 addresses included.</param>
/// <param name="Traffic">Traffic a month included, in TiB or GiB ("5 TiB").</param>
/// <param name="Wholesale">What the reseller pays a month, net (staff only).</param>
/// <param name="Retail">What the customer pays a month, net; empty when not offered.</param>
/// <param name="Margin">Retail less wholesale (staff only).</param>
/// <param name="Gross">Retail with 19 % VAT.</param>
/// <param name="Error">Why the last change of this product's price was refused.</param>
/// <param name="WholesaleValue">The wholesale price as a number input takes it ("75.00" in every language).</param>
/// <param name="RetailValue">The retail price as a number input takes it.</param>
public sealed record PriceRow(
    string Code, string Name, string Kind, string Cores, string MemoryGib, string DiskGib, string Ips, string Traffic,
    string Wholesale, string Retail, string Margin, string Gross, string Error, string WholesaleValue, string RetailValue);
