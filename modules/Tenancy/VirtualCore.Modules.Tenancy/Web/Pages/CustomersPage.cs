using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Tenancy.Web.Pages;

/// <summary>
/// The customers a reseller (or the operator) manages, the form that creates one, and each one's vDataCenter capacity
/// and one-time-password policy (/admin/customers).
/// </summary>
internal static class CustomersPage
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/customers", (HttpContext http, IPageRenderer renderer, ISender sender) => RenderAsync(http, renderer, sender, null, [], StatusCodes.Status200OK));
        admin.MapPost("/customers", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
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
                return await RenderAsync(http, renderer, sender, input, ex.Errors, StatusCodes.Status400BadRequest);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();
        admin.MapPost("/customers/{customerId:guid}/capacity", async (Guid customerId, HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                await sender.Send(new SetCustomerCapacity(customerId, Limit(form["cores"]), Limit(form["memoryGiB"]), Limit(form["diskGiB"])), http.RequestAborted);
                return Results.Redirect("/admin/customers");
            }
            catch (RequestValidationException ex)
            {
                return await RenderAsync(http, renderer, sender, null, ex.Errors, StatusCodes.Status400BadRequest, customerId);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();
        admin.MapPost("/customers/{customerId:guid}/suspension", async (Guid customerId, HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                await sender.Send(new SuspendCustomer(customerId, form["reason"].ToString()), http.RequestAborted);
                return Results.Redirect("/admin/customers");
            }
            catch (RequestValidationException ex)
            {
                return await RenderAsync(http, renderer, sender, null, ex.Errors, StatusCodes.Status400BadRequest, suspensionOf: customerId);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();
        admin.MapPost("/customers/{customerId:guid}/suspension/lift", async (Guid customerId, HttpContext http, ISender sender) =>
        {
            await sender.Send(new LiftCustomerSuspension(customerId), http.RequestAborted);
            return Results.Redirect("/admin/customers");
        }).AddEndpointFilter<AntiforgeryFilter>();
        admin.MapPost("/customers/{customerId:guid}/otp-policy", async (Guid customerId, HttpContext http, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            await sender.Send(new SetCustomerOtpPolicy(customerId, form["otpRequired"] == "true"), http.RequestAborted);
            return Results.Redirect("/admin/customers");
        }).AddEndpointFilter<AntiforgeryFilter>();
    }

    /// <param name="capacityOf">The customer whose capacity form the errors belong to, or null for the new-customer form.</param>
    /// <param name="suspensionOf">The customer whose suspension form the errors belong to.</param>
    private static async Task<IResult> RenderAsync(
        HttpContext http, IPageRenderer renderer, ISender sender, CustomerForm? input, IReadOnlyList<FieldError> errors, int status, Guid? capacityOf = null, Guid? suspensionOf = null)
    {
        var customers = await sender.Send(new ListCustomers(), http.RequestAborted);
        var model = new CustomersPageModel(
            customers.Select(c => new CustomerRow(
                c.Id.ToString(),
                c.Name,
                c.ResellerName,
                c.OtpRequired,
                PageFormat.Day(c.CreatedAt),
                PageFormat.Number(c.Capacity.Cores),
                PageFormat.Number(c.Capacity.MemoryGiB),
                PageFormat.Number(c.Capacity.DiskGiB),
                c.Id == capacityOf ? string.Join(" ", errors.Select(e => e.Reason)) : "",
                c.Suspension is not null,
                c.Suspension is { } since ? PageFormat.Day(since.Since) : "",
                c.Suspension?.Reason ?? "",
                c.Id == suspensionOf ? string.Join(" ", errors.Select(e => e.Reason)) : "")).ToArray(),
            input ?? new CustomerForm("", false, "", "", ""),
            capacityOf is null && suspensionOf is null && errors.Count > 0,
            capacityOf is null && suspensionOf is null ? PageForms.ErrorsByField(errors) : new Dictionary<string, string>());
        return await renderer.RenderAsync(http, "Tenancy/Customers.sbn-html", "Customers", model, status);
    }

    /// <summary>A limit from a form: empty is no limit; anything but a whole number is refused by the validator as 0.</summary>
    private static int? Limit(string? value) => string.IsNullOrWhiteSpace(value) ? null : PageForms.Int(value.Trim());
}

/// <summary>What Tenancy/Customers.sbn-html shows: the customers one manages and the new-customer form.</summary>
/// <param name="Customers">The customers, by name.</param>
/// <param name="Input">The new-customer form's values.</param>
/// <param name="HasErrors">True when creating the customer was refused.</param>
/// <param name="Errors">The new-customer form's problems, by field name.</param>
public sealed record CustomersPageModel(IReadOnlyList<CustomerRow> Customers, CustomerForm Input, bool HasErrors, IReadOnlyDictionary<string, string> Errors);

/// <summary>One customer in the list, with its capacity form.</summary>
/// <param name="Id">The customer's id, for its forms.</param>
/// <param name="Name">The customer's company.</param>
/// <param name="Reseller">Its reseller's name.</param>
/// <param name="OtpRequired">True when all its users must use a one-time password.</param>
/// <param name="Created">The day it was created (UTC).</param>
/// <param name="Cores">Its vDataCenter's dedicated cores; empty for no limit.</param>
/// <param name="MemoryGib">Its vDataCenter's RAM in GiB; empty for no limit.</param>
/// <param name="DiskGib">Its vDataCenter's disk in GiB; empty for no limit.</param>
/// <param name="CapacityErrors">Why its capacity was not changed; empty otherwise.</param>
/// <param name="Suspended">It is suspended.</param>
/// <param name="SuspendedSince">The day it was suspended.</param>
/// <param name="SuspensionReason">Why.</param>
/// <param name="SuspensionErrors">Why it was not suspended; empty otherwise.</param>
public sealed record CustomerRow(
    string Id, string Name, string Reseller, bool OtpRequired, string Created, string Cores, string MemoryGib, string DiskGib, string CapacityErrors,
    bool Suspended = false, string SuspendedSince = "", string SuspensionReason = "", string SuspensionErrors = "");

/// <summary>The new-customer form's values.</summary>
/// <param name="Name">The company as typed.</param>
/// <param name="OtpRequired">The one-time-password box is ticked.</param>
/// <param name="Cores">The core limit as typed; empty for no limit.</param>
/// <param name="MemoryGib">The RAM limit in GiB as typed; empty for no limit.</param>
/// <param name="DiskGib">The disk limit in GiB as typed; empty for no limit.</param>
public sealed record CustomerForm(string Name, bool OtpRequired, string Cores, string MemoryGib, string DiskGib);
