using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Localisation;
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
    PageModelCatalogue pageModels,
    ILogger<ThemedPageRenderer> logger,
    IServiceProvider services) : IPageRenderer
{
    public async Task<IResult> RenderAsync(HttpContext httpContext, string template, string title, object model, int statusCode = StatusCodes.Status200OK)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (pageModels.TryGetModelType(template, out var declared) && declared != model.GetType())
        {
            throw new InvalidOperationException($"Page template '{template}' is declared with a {declared.Name} model but was handed a {model.GetType().Name}.");
        }

        var theme = await themes.ThemeForAsync(httpContext);
        var tokens = antiforgery.GetAndStoreTokens(httpContext);
        var permissions = services.GetService<IPermissionChecker>();
        var path = httpContext.Request.Path.Value ?? "/";
        var signedIn = tenant.UserId is not null && !ThemePreview.ShowsSignedOut(httpContext);
        var language = RequestLanguage.Of(httpContext);
        var nav = services.GetServices<NavigationItem>()
            .Where(item => signedIn && permissions?.Has(item.Permission) == true)
            .OrderBy(item => item.Order)
            .Select(item => new NavLink(item.Label, item.Href, path == item.Href || path.StartsWith(item.Href + "/", StringComparison.Ordinal), SectionOf(item.Href)))
            .ToArray();
        var globals = new Dictionary<string, object?>
        {
            ["page_title"] = title,
            ["user"] = !signedIn ? null : new PageUser(tenant.UserName, httpContext.User.FindFirst("vcore:display-name")?.Value ?? tenant.UserName, tenant.Role ?? ""),
            ["nav"] = nav,
            ["csrf"] = new CsrfField(tokens.FormFieldName, tokens.RequestToken ?? ""),
            ["path"] = path,

            ["brand"] = BrandOf(httpContext, theme),
            ["lang"] = language,
            ["languages"] = PortalLanguages.All.Select(code => new PageLanguage(code, PortalLanguages.NativeName(code), code == language)).ToArray(),
        };
        string html;
        try
        {
            html = await views.RenderPageAsync(theme, template, model, globals, httpContext.RequestAborted);
        }
        catch (TemplateRenderException ex) when (theme != ThemePaths.DefaultThemeName)
        {
            // A reseller's theme that fails (a loop cut off, output too large, a template gone wrong) costs its own
            // page its looks, never the page: it is rendered in the installed default theme, and the reason logged.
            logger.LogWarning(ex, "Theme {Theme} failed to render {Template}: {Reason}; the page was rendered in the default theme.", theme, template, ex.Reason);
            globals["brand"] = BrandOf(httpContext, ThemePaths.DefaultThemeName);
            html = await views.RenderPageAsync(ThemePaths.DefaultThemeName, template, model, globals, httpContext.RequestAborted);
        }

        return Results.Content(html, "text/html; charset=utf-8", statusCode: statusCode);
    }

    private static string SectionOf(string href) =>
        href.StartsWith("/admin/", StringComparison.Ordinal) || href.StartsWith("/operations/", StringComparison.Ordinal) ? "admin"
        : href == "/profile" ? "account"
        : "main";

    /// <summary>
    /// The brand a reseller's own theme version names; else the reseller's brand on its portal; else the theme's.
    /// </summary>
    private string BrandOf(HttpContext httpContext, string theme) =>
        (!registry.IsInstalled(theme) && registry.TryGetManifest(theme, out var own) ? own.Variables.BrandName : null)
        ?? HostTenancy.ResellerOf(httpContext)?.BrandName
        ?? registry.GetVariables(theme).BrandName
        ?? "VirtualCore";
}

/// <summary>A navigation entry as pages see it.</summary>
/// <param name="Section">main (the everyday pages), admin (administration and operations) or account (one's profile).</param>
internal sealed record NavLink(string Label, string Href, bool Current, string Section = "main");

internal sealed record PageUser(string Name, string DisplayName, string Role);

internal sealed record CsrfField(string Name, string Value);

/// <summary>A language the page can be switched to: its code, its name in itself, and whether the page is in it.</summary>
internal sealed record PageLanguage(string Code, string Name, bool Current);

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
