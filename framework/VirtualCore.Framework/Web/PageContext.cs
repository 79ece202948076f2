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
    ValueTask<string> ThemeForAsync(HttpContext httpContext);
}

/// <summary>One entry of the main navigation, contributed by a module.</summary>
/// <param name="Label">Link text.</param>
/// <param name="Href">Target path.</param>
/// <param name="Order">Position, ascending.</param>
/// <param name="Permission">Shown only to callers holding this permission.</param>
public sealed record NavigationItem(string Label, string Href, int Order, string Permission);
