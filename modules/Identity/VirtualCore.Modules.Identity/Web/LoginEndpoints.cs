using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Identity.Features.Login;
using VirtualCore.Modules.Identity.Features.Otp;

using VirtualCore.Modules.Identity.Features.Users;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>
/// Signing in: password, then — where enrolled or required — the one-time password (or enrolment with a QR code and
/// recovery codes). Between the steps the user holds a short-lived, encrypted "pending" cookie, never a session.
/// </summary>
internal static class LoginEndpoints
{
    public const string PendingScheme = "vcore.pending";
    private const string StageClaim = "vcore:stage";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").ExcludeFromDescription();
        pages.MapGet("/login", (HttpContext http, IPageRenderer renderer, string? returnUrl) =>
            renderer.RenderAsync(http, "Identity/Login.sbn-html", "Sign in", new LoginPage("", SafeReturnUrl(returnUrl), null))).AllowAnonymous();

        pages.MapPost("/login", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var userName = form["userName"].ToString();
            var returnUrl = SafeReturnUrl(form["returnUrl"].ToString());
            LoginOutcome outcome;
            try
            {
                outcome = await sender.Send(new Login.Command(userName, form["password"].ToString()), http.RequestAborted);
            }
            catch (RequestValidationException ex)
            {
                return await renderer.RenderAsync(http, "Identity/Login.sbn-html", "Sign in", new LoginPage(userName, returnUrl, string.Join(" ", ex.Errors.Select(e => e.Reason))), StatusCodes.Status400BadRequest);
            }

            return await NextStepAsync(http, renderer, outcome, returnUrl, userName);
        }).AllowAnonymous().AddEndpointFilter<AntiforgeryFilter>().RequireRateLimiting(SignInRateLimit.Policy);

        pages.MapGet("/login/code", async (HttpContext http, IPageRenderer renderer) =>
            await PendingAsync(http, "code") is { } pending
                ? await renderer.RenderAsync(http, "Identity/LoginCode.sbn-html", "One-time password", new CodePage(pending.ReturnUrl, null))
                : Results.Redirect("/login")).AllowAnonymous();

        pages.MapPost("/login/code", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            if (await PendingAsync(http, "code") is not { } pending)
            {
                return Results.Redirect("/login");
            }

            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var outcome = await sender.Send(new Login.SecondFactor(pending.UserId, form["code"].ToString()), http.RequestAborted);
            if (outcome.Stage != LoginStage.SignedIn)
            {
                return await renderer.RenderAsync(http, "Identity/LoginCode.sbn-html", "One-time password", new CodePage(pending.ReturnUrl, outcome.Message ?? LoginOutcome.Refusal),
                    outcome.Stage == LoginStage.Throttled ? StatusCodes.Status429TooManyRequests : StatusCodes.Status400BadRequest);
            }

            return await SignInAsync(http, outcome.Principal!, pending.ReturnUrl);
        }).AllowAnonymous().AddEndpointFilter<AntiforgeryFilter>().RequireRateLimiting(SignInRateLimit.Policy);

        pages.MapGet("/login/enrol", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            if (await PendingAsync(http, "enrol") is not { } pending)
            {
                return Results.Redirect("/login");
            }

            var enrolment = await sender.Send(new BeginOtpEnrolment(pending.UserId), http.RequestAborted);
            return await renderer.RenderAsync(http, "Identity/Enrol.sbn-html", "Set up your one-time password", EnrolPage.Of(enrolment, "/login/enrol", null));
        }).AllowAnonymous();

        pages.MapPost("/login/enrol", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            if (await PendingAsync(http, "enrol") is not { } pending)
            {
                return Results.Redirect("/login");
            }

            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                var confirmed = await sender.Send(new ConfirmOtpEnrolment(pending.UserId, form["code"].ToString()), http.RequestAborted);

                // Password and a first valid code: signed in. The recovery codes are shown this once.
                await http.SignOutAsync(PendingScheme);
                await http.RequestServices.GetRequiredService<UserSessions>().SignInAsync(http, confirmed.Principal);
                return await renderer.RenderAsync(http, "Identity/RecoveryCodes.sbn-html", "Your recovery codes", new RecoveryPage(confirmed.RecoveryCodes, pending.ReturnUrl));
            }
            catch (RequestValidationException ex)
            {
                var enrolment = await sender.Send(new BeginOtpEnrolment(pending.UserId), http.RequestAborted);
                return await renderer.RenderAsync(http, "Identity/Enrol.sbn-html", "Set up your one-time password", EnrolPage.Of(enrolment, "/login/enrol", ex.Errors[0].Reason), StatusCodes.Status400BadRequest);
            }
        }).AllowAnonymous().AddEndpointFilter<AntiforgeryFilter>().RequireRateLimiting(SignInRateLimit.Policy);

        // The language switch in every page's header and on the sign-in pages: a visitor's choice is kept in a cookie,
        // a signed-in person's also in the account, so it follows them to other browsers.
        pages.MapPost("/language", async (HttpContext http, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var language = form["language"].ToString();
            if (!PortalLanguages.IsSupported(language))
            {
                throw new RequestValidationException("language", $"Choose one of: {string.Join(", ", PortalLanguages.All)}.");
            }

            if (http.User.Identity?.IsAuthenticated == true)
            {
                await sender.Send(new SetMyLanguage(language), http.RequestAborted);
            }

            RequestLanguage.RememberChoice(http, language);
            return Results.Redirect(LocalUrl.OrFallback(form["returnUrl"].ToString(), "/"));
        }).AllowAnonymous().AddEndpointFilter<AntiforgeryFilter>();

        pages.MapPost("/logout", async (HttpContext http, UserSessions sessions) =>
        {
            await sessions.SignOutAsync(http);
            return Results.Redirect("/login");
        }).RequireAuthorization().AddEndpointFilter<AntiforgeryFilter>();
    }

    private static async Task<IResult> NextStepAsync(HttpContext http, IPageRenderer renderer, LoginOutcome outcome, string returnUrl, string userName)
    {
        switch (outcome.Stage)
        {
            case LoginStage.SignedIn:
                return await SignInAsync(http, outcome.Principal!, returnUrl);
            case LoginStage.NeedsCode:
                await http.SignInAsync(PendingScheme, PendingPrincipal(outcome.UserId!.Value, "code", returnUrl, http));
                return Results.Redirect("/login/code");
            case LoginStage.NeedsEnrolment:
                await http.SignInAsync(PendingScheme, PendingPrincipal(outcome.UserId!.Value, "enrol", returnUrl, http));
                return Results.Redirect("/login/enrol");
            default:
                return await renderer.RenderAsync(http, "Identity/Login.sbn-html", "Sign in", new LoginPage(userName, returnUrl, outcome.Message),
                    outcome.Stage == LoginStage.Throttled ? StatusCodes.Status429TooManyRequests : StatusCodes.Status400BadRequest);
        }
    }

    private static async Task<IResult> SignInAsync(HttpContext http, ClaimsPrincipal principal, string returnUrl)
    {
        await http.SignOutAsync(PendingScheme);
        await http.RequestServices.GetRequiredService<UserSessions>().SignInAsync(http, principal);
        return Results.Redirect(returnUrl);
    }

    private static ClaimsPrincipal PendingPrincipal(Guid userId, string stage, string returnUrl, HttpContext http) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, userId.ToString()),
                new Claim(StageClaim, stage),
                new Claim("vcore:return-url", returnUrl),
                new Claim(TenantClaims.ResellerId, HostTenancy.ResellerOf(http)?.Id.ToString() ?? ""),
            ],
            PendingScheme));

    /// <summary>The user half-way through signing in on this portal, at the given stage.</summary>
    private static async Task<(Guid UserId, string ReturnUrl)?> PendingAsync(HttpContext http, string stage)
    {
        var result = await http.AuthenticateAsync(PendingScheme);
        var principal = result.Principal;
        var current = principal?.FindFirst(StageClaim)?.Value;
        if (!result.Succeeded || principal is null || current != stage
            || principal.FindFirst(TenantClaims.ResellerId)?.Value != HostTenancy.ResellerOf(http)?.Id.ToString()
            || !Guid.TryParse(principal.FindFirst(ClaimTypes.NameIdentifier)?.Value, out var userId))
        {
            return null;
        }

        return (userId, principal.FindFirst("vcore:return-url")?.Value ?? "/vms");
    }

    /// <summary>Only local paths: a login link must never send the user to another site.</summary>
    internal static string SafeReturnUrl(string? returnUrl) => LocalUrl.OrFallback(returnUrl, "/vms");
}

/// <summary>What Identity/Login.sbn-html shows: the sign-in form.</summary>
/// <param name="UserName">The user name as typed, shown again after a refusal.</param>
/// <param name="ReturnUrl">Where to go once signed in (a local path).</param>
/// <param name="Error">Why the last attempt was refused, or null.</param>
public sealed record LoginPage(string UserName, string ReturnUrl, string? Error);

/// <summary>What Identity/LoginCode.sbn-html shows: the one-time password step of signing in.</summary>
/// <param name="ReturnUrl">Where to go once signed in (a local path).</param>
/// <param name="Error">Why the last code was refused, or null.</param>
public sealed record CodePage(string ReturnUrl, string? Error);

/// <summary>What Identity/RecoveryCodes.sbn-html shows: the recovery codes, this once.</summary>
/// <param name="Codes">The new recovery codes.</param>
/// <param name="ContinueUrl">Where the page's link goes on to.</param>
public sealed record RecoveryPage(IReadOnlyList<string> Codes, string ContinueUrl);

/// <summary>What Identity/Enrol.sbn-html shows: setting up a one-time password with a QR code or the secret.</summary>
/// <param name="Secret">The secret in Base32, for typing into an app.</param>
/// <param name="SecretGrouped">The secret in groups of four characters, for reading.</param>
/// <param name="QrCode">The QR code of the otpauth address, as a data URI.</param>
/// <param name="Issuer">The issuer the app shows (the portal's brand).</param>
/// <param name="AccountName">The account the app shows.</param>
/// <param name="Action">Where the form posts the first code.</param>
/// <param name="Error">Why the last code was refused, or null.</param>
public sealed record EnrolPage(string Secret, string SecretGrouped, string QrCode, string Issuer, string AccountName, string Action, string? Error)
{
    public static EnrolPage Of(OtpEnrolmentView view, string action, string? error) =>
        new(view.Secret, string.Join(' ', view.Secret.Chunk(4).Select(c => new string(c))), view.QrCodeDataUri, view.Issuer, view.AccountName, action, error);
}
