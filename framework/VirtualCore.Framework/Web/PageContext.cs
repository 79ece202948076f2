using Microsoft.AspNetCore.Http;

namespace VirtualCore.Framework.Web;

/// <summary>Renders a themed page of a module: the template through the request's theme, inside the layout.</summary>
public interface IPageRenderer
{
    /// <param name="httpContext">The request.</param>
    /// <param name="template">Template path relative to the theme's templates folder, e.g. "Compute/VmList.sbn-html".</param>
    /// <param name="title">The page title.</param>
    /// <param name="model">A flat view model (never an entity).</param>
    /// <param name="statusCode">HTTP status of the page.</param>
    Task<IResult> RenderAsync(HttpContext httpContext, string template, string title, object model, int statusCode = StatusCodes.Status200OK);
}

/// <summary>Picks the theme for a request (the reseller's theme, else "Default").</summary>
public interface IThemeSelector
{
    /// <summary>The loaded theme a page of this request renders with.</summary>
    ValueTask<string> ThemeForAsync(HttpContext httpContext);

    /// <summary>
    /// Whether the files of <paramref name="themeName"/> may be served on this request's host (its reseller's theme,
    /// the themes it is built on, the reseller's own theme versions), loading the theme if it is one of those.
    /// </summary>
    ValueTask<bool> MayServeAsync(HttpContext httpContext, string themeName);
}

/// <summary>One entry of the main navigation, contributed by a module.</summary>
/// <param name="Label">Link text.</param>
/// <param name="Href">Target path.</param>
/// <param name="Order">Position, ascending.</param>
/// <param name="Permission">Shown only to callers holding this permission.</param>
public sealed record NavigationItem(string Label, string Href, int Order, string Permission);
