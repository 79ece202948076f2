using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Identity.Features.Setup;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>
/// The first operator of an installation, created with the setup token from the log: only on the provider's portal,
/// only while no operator exists and a token is open; otherwise there is nothing here (404).
/// </summary>
internal static class SetupEndpoints
{
    private const string Template = "Identity/Setup.sbn-html";
    private const string Title = "Set up the first operator";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").AllowAnonymous().ExcludeFromDescription();
        pages.MapGet("/setup", async (HttpContext http, IPageRenderer renderer) =>
            await OpenAsync(http) is null
                ? Results.NotFound()
                : await renderer.RenderAsync(http, Template, Title, new SetupPage("", "", null, new Dictionary<string, string>())));

        pages.MapPost("/setup", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            if (await OpenAsync(http) is not { } providerId)
            {
                return Results.NotFound();
            }

            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var userName = form["userName"].ToString();
            var displayName = form["displayName"].ToString();
            try
            {
                var outcome = await sender.Send(new CreateFirstOperator(providerId, form["token"].ToString(), userName, displayName, form["password"].ToString()), http.RequestAborted);
                return outcome.Created
                    ? Results.Redirect("/login")
                    : await renderer.RenderAsync(http, Template, Title, new SetupPage(userName, displayName, outcome.Message, new Dictionary<string, string>()), StatusCodes.Status400BadRequest);
            }
            catch (RequestValidationException ex)
            {
                return await renderer.RenderAsync(
                    http, Template, Title, new SetupPage(userName, displayName, "The operator was not created. Correct the fields marked below.", PageForms.ErrorsByField(ex.Errors)),
                    StatusCodes.Status400BadRequest);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();
    }

    /// <summary>The provider whose portal the request reached, while its first operator can be set up.</summary>
    private static async Task<Guid?> OpenAsync(HttpContext http)
    {
        if (HostTenancy.ResellerOf(http) is not { IsProvider: true } provider || !http.RequestServices.GetRequiredService<SetupToken>().IsOpen)
        {
            return null;
        }

        var db = http.RequestServices.GetRequiredService<PortalDbContext>();
        return await OperatorSetup.OperatorExistsAsync(db, http.RequestAborted) ? null : provider.Id;
    }
}

/// <summary>What Identity/Setup.sbn-html shows: the form that creates the first operator.</summary>
/// <param name="UserName">The operator's sign-in name as typed.</param>
/// <param name="DisplayName">The operator's display name as typed.</param>
/// <param name="Error">Why the operator was not created, or null.</param>
/// <param name="Errors">Each field's problems, by field name.</param>
public sealed record SetupPage(string UserName, string DisplayName, string? Error, IReadOnlyDictionary<string, string> Errors);
