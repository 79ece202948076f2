using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Identity.Features.Otp;

namespace VirtualCore.Modules.Identity.Web.Pages;

/// <summary>Setting up one's own one-time password from the profile (/profile/otp), then the recovery codes once.</summary>
internal static class OtpEnrolmentPage
{
    private const string Title = "Set up your one-time password";

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/profile/otp", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var enrolment = await sender.Send(new BeginMyOtpEnrolment(), http.RequestAborted);
            IdentityPages.NoStore(http);
            return await renderer.RenderAsync(http, "Identity/Enrol.sbn-html", Title, EnrolPage.Of(enrolment, "/profile/otp", null));
        });

        pages.MapPost("/profile/otp", async (HttpContext http, IPageRenderer renderer, ISender sender, UserSessions sessions) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            IdentityPages.NoStore(http);
            try
            {
                var confirmed = await sender.Send(new ConfirmMyOtpEnrolment(form["code"].ToString()), http.RequestAborted);
                await sessions.RenewAsync(http, proved: true);

                // Shown once and never stored in clear text, so this page cannot be a redirect target.
                return await renderer.RenderAsync(http, "Identity/RecoveryCodes.sbn-html", "Your recovery codes", new RecoveryPage(confirmed.RecoveryCodes, "/profile"));
            }
            catch (RequestValidationException ex)
            {
                var enrolment = await sender.Send(new BeginMyOtpEnrolment(), http.RequestAborted);
                return await renderer.RenderAsync(http, "Identity/Enrol.sbn-html", Title, EnrolPage.Of(enrolment, "/profile/otp", ex.Errors[0].Reason), StatusCodes.Status400BadRequest);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();
    }
}
