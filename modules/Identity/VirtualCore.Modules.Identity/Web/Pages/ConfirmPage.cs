using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Identity.Features.Otp;
using VirtualCore.Modules.Identity.Features.Users;

namespace VirtualCore.Modules.Identity.Web.Pages;

/// <summary>Confirm it is you (/profile/confirm): the password, and the current one-time password where enrolled.</summary>
internal static class ConfirmPage
{
    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/profile/confirm", async (HttpContext http, IPageRenderer renderer, ISender sender, string? returnUrl) =>
            await RenderAsync(http, renderer, sender, LoginEndpoints.SafeReturnUrl(returnUrl), [], StatusCodes.Status200OK));

        pages.MapPost("/profile/confirm", async (HttpContext http, IPageRenderer renderer, ISender sender, UserSessions sessions) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var returnUrl = LoginEndpoints.SafeReturnUrl(form["returnUrl"].ToString());
            var errors = await sender.Send(new ConfirmIdentity(form["password"].ToString(), form["code"].ToString()), http.RequestAborted);
            if (errors.Count > 0)
            {
                return await RenderAsync(http, renderer, sender, returnUrl, errors, StatusCodes.Status400BadRequest);
            }

            await sessions.RenewAsync(http, proved: true);
            return Results.Redirect(returnUrl);
        }).AddEndpointFilter<AntiforgeryFilter>().RequireRateLimiting(SignInRateLimit.Policy);
    }

    private static async Task<IResult> RenderAsync(HttpContext http, IPageRenderer renderer, ISender sender, string returnUrl, IReadOnlyList<FieldError> errors, int status)
    {
        var account = await sender.Send(new GetMyAccount(), http.RequestAborted);
        IdentityPages.NoStore(http);
        return await renderer.RenderAsync(
            http, "Identity/Confirm.sbn-html", "Confirm it is you", new ConfirmPageModel(returnUrl, account.OtpEnrolled, errors.Count > 0, PageForms.ErrorsByField(errors)), status);
    }
}

/// <summary>What Identity/Confirm.sbn-html shows: the form that proves it is still you before a sensitive step.</summary>
/// <param name="ReturnUrl">Where to go on once confirmed (a local path).</param>
/// <param name="OtpEnrolled">True when the form also asks for the current one-time password.</param>
/// <param name="Failed">True when the last attempt was refused.</param>
/// <param name="Errors">Each field's problems, by field name.</param>
public sealed record ConfirmPageModel(string ReturnUrl, bool OtpEnrolled, bool Failed, IReadOnlyDictionary<string, string> Errors);
