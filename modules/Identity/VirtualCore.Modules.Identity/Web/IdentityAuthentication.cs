using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Security;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>
/// How callers prove who they are: the session cookie for pages, and for the API also an API token or HTTP Basic
/// (tokens also for the live feed); the pending cookie between password and one-time password; and the default
/// policy that checks an API token's scope on every endpoint that needs a signed-in caller.
/// </summary>
internal static class IdentityAuthentication
{
    /// <summary>The scheme that picks cookie, token or Basic by the request's Authorization header and path.</summary>
    public const string SelectorScheme = "portal";

    public const string SessionCookie = "vcore.session";

    public static void AddIdentityAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = SelectorScheme;
                o.DefaultChallengeScheme = SelectorScheme;
            })
            // Tokens and Basic are for the API (tokens also for the live feed); pages know only the session cookie.
            .AddPolicyScheme(SelectorScheme, "Cookie, API token or Basic", o => o.ForwardDefaultSelector = SchemeFor)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.Cookie.Name = SessionCookie;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/login";
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = ctx => ApiAware(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => ApiAware(ctx, StatusCodes.Status403Forbidden);

                // A session stands only while its account, role, stamp and session row do: checked on every request.
                o.Events.OnValidatePrincipal = ValidateSessionAsync;
            })
            .AddCookie(LoginEndpoints.PendingScheme, o =>
            {
                // Between the password and the one-time password: short-lived, and good for nothing but the next step.
                o.Cookie.Name = "vcore.pending";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(10);
                o.SlidingExpiration = false;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, BasicAuthenticationHandler>(BasicAuthenticationHandler.SchemeName, null);

        // Every endpoint that needs a signed-in caller also checks an API token's scope against the endpoint's.
        services.AddAuthorization(o => o.DefaultPolicy = new AuthorizationPolicyBuilder()
            .RequireAuthenticatedUser()
            .AddRequirements(new TokenScopeRequirement())
            .Build());
        services.AddSingleton<IAuthorizationHandler, TokenScopeRequirement>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
    }

    /// <summary>Bearer on the API and the live feed, Basic on the API, the session cookie everywhere else.</summary>
    public static string SchemeFor(HttpContext http) =>
        http.Request.Headers.Authorization.ToString() switch
        {
            var h when h.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && (IsApi(http) || http.Request.Path.StartsWithSegments("/hubs") || IsConsoleSocket(http)) =>
                ApiTokenAuthenticationHandler.SchemeName,
            var h when h.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) && IsApi(http) => BasicAuthenticationHandler.SchemeName,
            _ => CookieAuthenticationDefaults.AuthenticationScheme,
        };

    private static bool IsApi(HttpContext http) => http.Request.Path.StartsWithSegments("/api");

    /// <summary>A VM's console WebSocket (<c>/vms/{id}/console/socket</c>): opened by the portal's page or by a tool with its token.</summary>
    private static bool IsConsoleSocket(HttpContext http) =>
        http.Request.Path.StartsWithSegments("/vms") && http.Request.Path.Value?.EndsWith("/console/socket", StringComparison.Ordinal) == true;

    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var validator = context.HttpContext.RequestServices.GetRequiredService<ISessionValidator>();
        if (context.Principal is null || !await validator.IsCurrentAsync(context.Principal, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    /// <summary>The API and the live feed answer with a status code; pages redirect to the sign-in or error page.</summary>
    private static Task ApiAware(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (IsApi(context.HttpContext) || context.Request.Path.StartsWithSegments("/hubs") || IsConsoleSocket(context.HttpContext))
        {
            context.Response.StatusCode = status;
            if (status == StatusCodes.Status401Unauthorized && IsApi(context.HttpContext))
            {
                // Say how to authenticate (RFC 9110): a token, or Basic — the latter only to callers without a session
                // cookie, so a page whose session ran out never makes the browser ask for a password in a dialog.
                context.Response.Headers.WWWAuthenticate = context.Request.Headers.Cookie.Count == 0
                    ? "Bearer, Basic realm=\"VirtualCore\", charset=\"UTF-8\""
                    : "Bearer";
            }

            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
