using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Web;

namespace VirtualCore.Framework.Tenancy;

/// <summary>The reseller whose portal a request reached, from its host name.</summary>
/// <param name="Id">The reseller.</param>
/// <param name="Name">Its name.</param>
/// <param name="BrandName">The brand shown in its portal.</param>
/// <param name="ThemeName">Its theme.</param>
/// <param name="IsProvider">The provider's own portal, where the operator signs in.</param>
/// <param name="Language">The language the portal speaks to whoever has not chosen one (<c>en</c>, <c>de</c>).</param>
public sealed record RequestReseller(Guid Id, string Name, string BrandName, string ThemeName, bool IsProvider, string Language = "en");

/// <summary>Finds the reseller that owns a host name; implemented by the module that owns resellers.</summary>
public interface IHostTenantResolver
{
    ValueTask<RequestReseller?> ResolveAsync(string host, CancellationToken cancellationToken);
}

public static class HostTenancy
{
    private static readonly object Key = new();

    public static RequestReseller? ResellerOf(HttpContext http) => http.Items.TryGetValue(Key, out var value) ? value as RequestReseller : null;

    /// <summary>
    /// Resolves the reseller from the Host header, before authentication (signing in needs it). An unknown host gets
    /// a clear page.
    /// </summary>
    public static IApplicationBuilder UseHostTenancy(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        // Probes and the metrics scraper address the instance, not a reseller's portal.
        if (http.Request.Path.StartsWithSegments("/health") || http.Request.Path.StartsWithSegments("/metrics"))
        {
            await next(http);
            return;
        }

        var resolver = http.RequestServices.GetRequiredService<IHostTenantResolver>();
        var reseller = await resolver.ResolveAsync(http.Request.Host.Host, http.RequestAborted);
        if (reseller is null)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            if (HtmlErrorPages.WantsHtml(http))
            {
                await HtmlErrorPages.RenderAsync(http, StatusCodes.Status404NotFound, $"No portal is configured for the address '{http.Request.Host.Host}'.");
            }
            else
            {
                await Results.Problem(
                    statusCode: StatusCodes.Status404NotFound,
                    title: "Unknown portal address.",
                    detail: $"No portal is configured for the host name '{http.Request.Host.Host}'.").ExecuteAsync(http);
            }

            return;
        }

        http.Items[Key] = reseller;
        await next(http);
    });

    /// <summary>
    /// A signed-in user of another reseller is treated as signed out: a login never crosses from one reseller's
    /// portal to another's. Runs after authentication and before authorisation.
    /// </summary>
    public static IApplicationBuilder UseHostTenancyCheck(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.User.Identity?.IsAuthenticated == true && ResellerOf(http) is { } reseller
            && http.User.FindFirst(TenantClaims.ResellerId)?.Value != reseller.Id.ToString())
        {
            http.User = new ClaimsPrincipal(new ClaimsIdentity());
        }

        await next(http);
    });
}
