using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace VirtualCore.Framework.Web;

/// <summary>
/// A browser sends the session cookie by itself, so an API call that changes something and is authenticated by the
/// cookie must also prove it comes from the portal's own pages or client: the anti-forgery token in
/// <see cref="HeaderName"/>. Calls authenticated by an API token or Basic carry their proof in the Authorization
/// header, which no browser adds on its own.
/// </summary>
public static class ApiAntiforgery
{
    /// <summary>The request header that carries the anti-forgery token (AntiforgeryOptions.HeaderName).</summary>
    public const string HeaderName = "X-CSRF-Token";

    /// <summary>Signing in: there is no session yet whose cookie could be abused.</summary>
    private const string SignInPath = "/api/v1/session";

    public static bool NeedsToken(HttpContext http) =>
        http.Request.Path.StartsWithSegments("/api")
        && !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)
        && !HttpMethods.IsOptions(http.Request.Method) && !HttpMethods.IsTrace(http.Request.Method)
        && http.User.Identity?.IsAuthenticated == true
        && !CarriesCredentials(http.Request)
        && !(HttpMethods.IsPost(http.Request.Method) && IsSignIn(http.Request.Path));

    /// <summary>Refuses cookie-authenticated API calls with an unsafe method and no valid token. Runs after authentication.</summary>
    public static IApplicationBuilder UseApiAntiforgery(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (NeedsToken(http))
        {
            var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                await Results.Problem(
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "Anti-forgery token missing or invalid.",
                    detail: $"A request signed in by the session cookie that changes something needs the anti-forgery token in the '{HeaderName}' header "
                        + $"(csrfToken in the answer of GET or POST {SignInPath}), or an API token or Basic credentials instead of the cookie.")
                    .ExecuteAsync(http);
                return;
            }
        }

        await next(http);
    });

    /// <summary>The token for <paramref name="http"/>.User to send in <see cref="HeaderName"/>; sets the anti-forgery cookie it pairs with.</summary>
    public static string IssueToken(HttpContext http) =>
        http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http).RequestToken ?? "";

    /// <summary>The same test the portal's authentication uses to pick the API token or Basic scheme over the cookie.</summary>
    private static bool CarriesCredentials(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsSignIn(PathString path) =>
        path.Equals(SignInPath, StringComparison.OrdinalIgnoreCase) || path.Equals(SignInPath + "/", StringComparison.OrdinalIgnoreCase);
}
