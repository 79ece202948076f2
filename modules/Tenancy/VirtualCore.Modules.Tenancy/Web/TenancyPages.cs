using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Tenancy.Web;

/// <summary>Reseller management for the operator, customer management for resellers; and their REST API.</summary>
internal static class TenancyPages
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("/admin").RequireAuthorization().ExcludeFromDescription();

        pages.MapGet("/resellers", (HttpContext http, IPageRenderer renderer, ISender sender) => ResellersPageAsync(http, renderer, sender, null, [], StatusCodes.Status200OK));
        pages.MapPost("/resellers", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var input = new ResellerForm(form["name"].ToString(), form["brandName"].ToString(), form["hostNames"].ToString(), form["otpRequired"] == "on");
            try
            {
                await sender.Send(new CreateReseller(input.Name, input.BrandName, SplitHosts(input.HostNames), input.OtpRequired), http.RequestAborted);
                return Results.Redirect("/admin/resellers");
            }
            catch (RequestValidationException ex)
            {
                return await ResellersPageAsync(http, renderer, sender, input, ex.Errors, StatusCodes.Status400BadRequest);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();
        pages.MapPost("/resellers/{resellerId:guid}/otp-policy", async (Guid resellerId, HttpContext http, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            await sender.Send(new SetResellerOtpPolicy(resellerId, form["otpRequired"] == "true"), http.RequestAborted);
            return Results.Redirect("/admin/resellers");
        }).AddEndpointFilter<AntiforgeryFilter>();

        pages.MapGet("/customers", (HttpContext http, IPageRenderer renderer, ISender sender) => CustomersPageAsync(http, renderer, sender, null, [], StatusCodes.Status200OK));
        pages.MapPost("/customers", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var input = new CustomerForm(form["name"].ToString(), form["otpRequired"] == "on", form["cores"].ToString(), form["memoryGiB"].ToString(), form["diskGiB"].ToString());
            try
            {
                await sender.Send(new CreateCustomer(input.Name, input.OtpRequired, new CustomerCapacity(Limit(input.Cores), Limit(input.MemoryGib), Limit(input.DiskGib))), http.RequestAborted);
                return Results.Redirect("/admin/customers");
            }
            catch (RequestValidationException ex)
            {
                return await CustomersPageAsync(http, renderer, sender, input, ex.Errors, StatusCodes.Status400BadRequest);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();
        pages.MapPost("/customers/{customerId:guid}/capacity", async (Guid customerId, HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                await sender.Send(new SetCustomerCapacity(customerId, Limit(form["cores"]), Limit(form["memoryGiB"]), Limit(form["diskGiB"])), http.RequestAborted);
                return Results.Redirect("/admin/customers");
            }
            catch (RequestValidationException ex)
            {
                return await CustomersPageAsync(http, renderer, sender, null, ex.Errors, StatusCodes.Status400BadRequest, customerId);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();
        pages.MapPost("/customers/{customerId:guid}/otp-policy", async (Guid customerId, HttpContext http, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            await sender.Send(new SetCustomerOtpPolicy(customerId, form["otpRequired"] == "true"), http.RequestAborted);
            return Results.Redirect("/admin/customers");
        }).AddEndpointFilter<AntiforgeryFilter>();

        var api = endpoints.MapGroup("/api/v1").RequireAuthorization().RequireScope(ApiScopes.Manage).WithTags("Tenants");
        api.MapGet("/resellers", (ISender sender, CancellationToken ct) => sender.Send(new ListResellers(), ct)).WithSummary("Every reseller (operator).");
        api.MapPost("/resellers", async (CreateReseller body, ISender sender, CancellationToken ct) =>
            Results.Created("/api/v1/resellers", await sender.Send(body, ct))).WithSummary("Creates a reseller with its host names (operator).").ProducesValidationProblem();
        api.MapGet("/customers", (ISender sender, CancellationToken ct) => sender.Send(new ListCustomers(), ct)).WithSummary("The customers the caller manages.");
        api.MapGet("/customers/{customerId:guid}", (Guid customerId, ISender sender, CancellationToken ct) => sender.Send(new GetCustomer(customerId), ct))
            .WithSummary("One customer.").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/customers", async (CreateCustomer body, ISender sender, CancellationToken ct) =>
            Results.Created("/api/v1/customers", await sender.Send(body, ct))).WithSummary("Creates a customer of the caller's reseller.").ProducesValidationProblem();
        api.MapPut("/customers/{customerId:guid}/capacity", (Guid customerId, CustomerCapacity body, ISender sender, CancellationToken ct) =>
            sender.Send(new SetCustomerCapacity(customerId, body.Cores, body.MemoryGiB, body.DiskGiB), ct))
            .WithSummary("Sets the capacity of the customer's vDataCenter (cores, RAM and disk in GiB); a null limit is no limit.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/customers/{customerId:guid}/otp-policy", (Guid customerId, OtpPolicyRequest body, ISender sender, CancellationToken ct) =>
            sender.Send(new SetCustomerOtpPolicy(customerId, body.OtpRequired), ct)).WithSummary("Requires one-time passwords for the customer's users, or not.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static IReadOnlyList<string> SplitHosts(string text) =>
        text.Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);

    private static async Task<IResult> ResellersPageAsync(HttpContext http, IPageRenderer renderer, ISender sender, ResellerForm? input, IReadOnlyList<FieldError> errors, int status)
    {
        var resellers = await sender.Send(new ListResellers(), http.RequestAborted);
        return await renderer.RenderAsync(http, "Tenancy/Resellers.sbn-html", "Resellers", new
        {
            Resellers = resellers.Select(r => new { Id = r.Id.ToString(), r.Name, r.BrandName, Hosts = string.Join(", ", r.HostNames), r.IsProvider, r.OtpRequired, r.Customers }).ToArray(),
            Input = input ?? new ResellerForm("", "", "", false),
            HasErrors = errors.Count > 0,
            Errors = errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => string.Join(" ", g.Select(e => e.Reason))),
        }, status);
    }

    /// <param name="capacityOf">The customer whose capacity form the errors belong to, or null for the new-customer form.</param>
    private static async Task<IResult> CustomersPageAsync(HttpContext http, IPageRenderer renderer, ISender sender, CustomerForm? input, IReadOnlyList<FieldError> errors, int status, Guid? capacityOf = null)
    {
        var customers = await sender.Send(new ListCustomers(), http.RequestAborted);
        var fieldErrors = errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => string.Join(" ", g.Select(e => e.Reason)));
        return await renderer.RenderAsync(http, "Tenancy/Customers.sbn-html", "Customers", new
        {
            Customers = customers.Select(c => new
            {
                Id = c.Id.ToString(),
                c.Name,
                Reseller = c.ResellerName,
                c.OtpRequired,
                Created = c.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Cores = Text(c.Capacity.Cores),
                MemoryGib = Text(c.Capacity.MemoryGiB),
                DiskGib = Text(c.Capacity.DiskGiB),
                CapacityErrors = c.Id == capacityOf ? string.Join(" ", errors.Select(e => e.Reason)) : "",
            }).ToArray(),
            Input = input ?? new CustomerForm("", false, "", "", ""),
            HasErrors = capacityOf is null && errors.Count > 0,
            Errors = capacityOf is null ? fieldErrors : [],
        }, status);
    }

    /// <summary>A limit from a form: empty is no limit; anything but a whole number is refused by the validator as 0.</summary>
    private static int? Limit(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null
        : int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static string Text(int? limit) => limit?.ToString(CultureInfo.InvariantCulture) ?? "";

    private sealed record ResellerForm(string Name, string BrandName, string HostNames, bool OtpRequired);

    private sealed record CustomerForm(string Name, bool OtpRequired, string Cores, string MemoryGib, string DiskGib);
}

public sealed record OtpPolicyRequest(bool OtpRequired);
