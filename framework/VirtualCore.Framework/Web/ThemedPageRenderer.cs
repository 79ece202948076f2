using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Views;

namespace VirtualCore.Framework.Web;

/// <summary>
/// Renders module pages through the request's theme. Every page gets the same globals: the signed-in user, the
/// navigation the user may see, the anti-forgery field for its forms and the current path.
/// </summary>
public sealed class ThemedPageRenderer(
    IViewRenderer views,
    ThemeRegistry registry,
    IThemeSelector themes,
    IAntiforgery antiforgery,
    ITenantContext tenant,
    IServiceProvider services) : IPageRenderer
{
    public async Task<IResult> RenderAsync(HttpContext httpContext, string template, string title, object model, int statusCode = StatusCodes.Status200OK)
    {
        var theme = await themes.ThemeForAsync(httpContext);
        var tokens = antiforgery.GetAndStoreTokens(httpContext);
        var permissions = services.GetService<IPermissionChecker>();
        var path = httpContext.Request.Path.Value ?? "/";
        var nav = services.GetServices<NavigationItem>()
            .Where(item => tenant.UserId is not null && permissions?.Has(item.Permission) == true)
            .OrderBy(item => item.Order)
            .Select(item => new NavLink(item.Label, item.Href, path == item.Href || path.StartsWith(item.Href + "/", StringComparison.Ordinal)))
            .ToArray();
        var globals = new Dictionary<string, object?>
        {
            ["page_title"] = title,
            ["user"] = tenant.UserId is null ? null : new PageUser(tenant.UserName, httpContext.User.FindFirst("vcore:display-name")?.Value ?? tenant.UserName, tenant.Role ?? ""),
            ["nav"] = nav,
            ["csrf"] = new CsrfField(tokens.FormFieldName, tokens.RequestToken ?? ""),
            ["path"] = path,

            // The reseller's own brand on its portal; the theme's name for it otherwise.
            ["brand"] = HostTenancy.ResellerOf(httpContext)?.BrandName ?? registry.GetVariables(theme).BrandName ?? "VirtualCore",
        };
        var html = await views.RenderPageAsync(theme, template, model, globals, httpContext.RequestAborted);
        return Results.Content(html, "text/html; charset=utf-8", statusCode: statusCode);
    }
}

internal sealed record NavLink(string Label, string Href, bool Current);

internal sealed record PageUser(string Name, string DisplayName, string Role);

internal sealed record CsrfField(string Name, string Value);

/// <summary>Refuses a form post without a valid anti-forgery token (cross-site form posts).</summary>
public sealed class AntiforgeryFilter(IAntiforgery antiforgery) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(context.HttpContext);
        }
        catch (AntiforgeryValidationException)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "The form has expired or did not come from this portal.",
                detail: "Reload the page and try again.");
        }

        return await next(context);
    }
}
