using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Identity.Features.Login;

namespace VirtualCore.Modules.Identity.Web;

internal static class LoginEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/login", (HttpContext http, IPageRenderer pages, string? returnUrl) =>
            pages.RenderAsync(http, "Identity/Login.sbn-html", "Sign in", new LoginPage("", SafeReturnUrl(returnUrl), null)))
            .AllowAnonymous().ExcludeFromDescription();

        endpoints.MapPost("/login", async (HttpContext http, IPageRenderer pages, ISender sender, IAntiforgery antiforgery) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var userName = form["userName"].ToString();
            var returnUrl = SafeReturnUrl(form["returnUrl"].ToString());
            try
            {
                var principal = await sender.Send(new Login.Command(userName, form["password"].ToString()), http.RequestAborted);
                await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
                return Results.Redirect(returnUrl);
            }
            catch (RequestValidationException ex)
            {
                var message = string.Join(" ", ex.Errors.Select(e => e.Reason).Distinct());
                return await pages.RenderAsync(http, "Identity/Login.sbn-html", "Sign in", new LoginPage(userName, returnUrl, message), StatusCodes.Status400BadRequest);
            }
        }).AllowAnonymous().ExcludeFromDescription();

        endpoints.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/login");
        }).RequireAuthorization().ExcludeFromDescription();

        var api = endpoints.MapGroup("/api/v1/session").WithTags("Session");
        api.MapPost("/", async (HttpContext http, ISender sender, SessionRequest body) =>
        {
            try
            {
                var principal = await sender.Send(new Login.Command(body.UserName ?? "", body.Password ?? ""), http.RequestAborted);
                await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
                return Results.Ok(SessionResponse.From(principal));
            }
            catch (RequestValidationException ex) when (ex.Errors.Any(e => e.Reason == Login.Handler.WrongCredentials))
            {
                return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in.", detail: Login.Handler.WrongCredentials);
            }
        }).AllowAnonymous().DisableAntiforgery()
          .WithSummary("Sign in with user name and password; sets the session cookie.");

        api.MapGet("/", (ClaimsPrincipal user) => Results.Ok(SessionResponse.From(user)))
            .RequireAuthorization().WithSummary("Who is signed in.");

        api.MapDelete("/", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.NoContent();
        }).RequireAuthorization().WithSummary("Sign out.");
    }

    /// <summary>Only local paths: a login link must never send the user to another site.</summary>
    internal static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/vms";
}

internal sealed record LoginPage(string UserName, string ReturnUrl, string? Error);

public sealed record SessionRequest(string? UserName, string? Password);

public sealed record SessionResponse(string UserName, string DisplayName, string Role)
{
    public static SessionResponse From(ClaimsPrincipal user) => new(
        user.Identity?.Name ?? "",
        user.FindFirst("vcore:display-name")?.Value ?? "",
        user.FindFirst(ClaimTypes.Role)?.Value ?? "");
}
