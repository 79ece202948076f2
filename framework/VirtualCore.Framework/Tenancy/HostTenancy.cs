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
public sealed record RequestReseller(Guid Id, string Name, string BrandName, string ThemeName, bool IsProvider);

/// <summary>Finds the reseller that owns a host name; implemented by the module that owns resellers.</summary>
public interface IHostTenantResolver
{
    ValueTask<RequestReseller?> ResolveAsync(string host, CancellationToken cancellationToken);
}

public static class HostTenancy
{
    private static readonly object Key = new();

    public static RequestReseller? ResellerOf(HttpContext http) => http.Items.TryGetValue(Key, out var value) ? value as RequestReseller : null;

    /// <summary>The reseller of the request's host name, resolved once per request; also for authentication handlers, which run before <see cref="UseHostTenancy"/>.</summary>
    public static async ValueTask<RequestReseller?> ResolveAsync(HttpContext http)
    {
        if (ResellerOf(http) is { } known)
        {
            return known;
        }

        var reseller = await http.RequestServices.GetRequiredService<IHostTenantResolver>().ResolveAsync(http.Request.Host.Host, http.RequestAborted);
        if (reseller is not null)
        {
            http.Items[Key] = reseller;
        }

        return reseller;
    }

    /// <summary>
    /// Resolves the reseller from the Host header. An unknown host gets a clear page; a signed-in user of another
    /// reseller is treated as signed out here: a login never crosses from one reseller's portal to another's.
    /// Runs after authentication and before authorisation.
    /// </summary>
    public static IApplicationBuilder UseHostTenancy(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.Path.StartsWithSegments("/health"))
        {
            await next(http);
            return;
        }

        var reseller = await ResolveAsync(http);
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

        if (http.User.Identity?.IsAuthenticated == true
            && http.User.FindFirst(TenantClaims.ResellerId)?.Value != reseller.Id.ToString())
        {
            http.User = new ClaimsPrincipal(new ClaimsIdentity());
        }

        await next(http);
    });
}
