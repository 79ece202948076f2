using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Tenancy.Web.Pages;

/// <summary>The operator's resellers, the form that creates one, and each one's one-time-password policy (/admin/resellers).</summary>
internal static class ResellersPage
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/resellers", (HttpContext http, IPageRenderer renderer, ISender sender) => RenderAsync(http, renderer, sender, null, [], StatusCodes.Status200OK));
        admin.MapPost("/resellers", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
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
                return await RenderAsync(http, renderer, sender, input, ex.Errors, StatusCodes.Status400BadRequest);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();
        admin.MapPost("/resellers/{resellerId:guid}/otp-policy", async (Guid resellerId, HttpContext http, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            await sender.Send(new SetResellerOtpPolicy(resellerId, form["otpRequired"] == "true"), http.RequestAborted);
            return Results.Redirect("/admin/resellers");
        }).AddEndpointFilter<AntiforgeryFilter>();
    }

    private static IReadOnlyList<string> SplitHosts(string text) =>
        text.Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);

    private static async Task<IResult> RenderAsync(HttpContext http, IPageRenderer renderer, ISender sender, ResellerForm? input, IReadOnlyList<FieldError> errors, int status)
    {
        var resellers = await sender.Send(new ListResellers(), http.RequestAborted);
        var model = new ResellersPageModel(
            resellers.Select(r => new ResellerRow(r.Id.ToString(), r.Name, r.BrandName, string.Join(", ", r.HostNames), r.IsProvider, r.OtpRequired, r.Customers)).ToArray(),
            input ?? new ResellerForm("", "", "", false),
            errors.Count > 0,
            PageForms.ErrorsByField(errors));
        return await renderer.RenderAsync(http, "Tenancy/Resellers.sbn-html", "Resellers", model, status);
    }
}

/// <summary>What Tenancy/Resellers.sbn-html shows: every reseller and the new-reseller form.</summary>
/// <param name="Resellers">The resellers, the provider first, then by name.</param>
/// <param name="Input">The form's values.</param>
/// <param name="HasErrors">True when creating the reseller was refused.</param>
/// <param name="Errors">The form's problems, by field name.</param>
public sealed record ResellersPageModel(IReadOnlyList<ResellerRow> Resellers, ResellerForm Input, bool HasErrors, IReadOnlyDictionary<string, string> Errors);

/// <summary>One reseller in the list.</summary>
/// <param name="Id">The reseller's id, for its policy form.</param>
/// <param name="Name">The reseller's company.</param>
/// <param name="BrandName">The brand its portal shows.</param>
/// <param name="Hosts">The host names its portal answers on, comma-separated.</param>
/// <param name="IsProvider">True for the provider's own portal.</param>
/// <param name="OtpRequired">True when all its users must use a one-time password.</param>
/// <param name="Customers">How many customers it has.</param>
public sealed record ResellerRow(string Id, string Name, string BrandName, string Hosts, bool IsProvider, bool OtpRequired, int Customers);

/// <summary>The new-reseller form's values.</summary>
/// <param name="Name">The company as typed.</param>
/// <param name="BrandName">The brand as typed.</param>
/// <param name="HostNames">The host names as typed, separated by commas, spaces or lines.</param>
/// <param name="OtpRequired">The one-time-password box is ticked.</param>
public sealed record ResellerForm(string Name, string BrandName, string HostNames, bool OtpRequired);
