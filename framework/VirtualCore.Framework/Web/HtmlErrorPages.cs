using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Security;

namespace VirtualCore.Framework.Web;

/// <summary>
/// Browsers get a themed page for errors (404, 403, 500…); API clients keep getting problem details.
/// </summary>
public static class HtmlErrorPages
{
    public const string Template = "Error.sbn-html";

    public static bool WantsHtml(HttpContext http) =>
        !http.Request.Path.StartsWithSegments("/api") && !http.Request.Path.StartsWithSegments("/hubs")
        && http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    public static async Task RenderAsync(HttpContext http, int status, string? detail)
    {
        var (title, text) = status switch
        {
            StatusCodes.Status404NotFound => ("Not found", "There is nothing here — or nothing you may see."),
            StatusCodes.Status403Forbidden => ("Not allowed", "Your account may not do this."),
            StatusCodes.Status409Conflict => ("Not now", "This conflicts with what is happening right now."),
            StatusCodes.Status400BadRequest => ("Not accepted", "The request could not be accepted."),
            _ => ("Something went wrong", "The portal could not finish this request. It has been logged."),
        };
        var pages = http.RequestServices.GetRequiredService<IPageRenderer>();
        var result = await pages.RenderAsync(http, Template, title, new ErrorPageModel(
            status,
            title,
            status >= 500 ? text : detail ?? text,
            Activity.Current?.Id ?? http.TraceIdentifier), status);
        await result.ExecuteAsync(http);
    }

    /// <summary>
    /// Renders status-code-only responses (unknown routes, 403s) as themed pages for browsers; API clients get a
    /// problem document for the bare refusals of a request's form that the framework answers itself (415 for a body
    /// that is not JSON, 405, …).
    /// </summary>
    public static IApplicationBuilder UseHtmlStatusPages(this IApplicationBuilder app) =>
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            if (WantsHtml(http))
            {
                await RenderAsync(http, http.Response.StatusCode, null);
            }
            else if (http.Request.Path.StartsWithSegments("/api") && http.Response.StatusCode is 400 or 405 or 406 or 413 or 415)
            {
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = http.Response.StatusCode == StatusCodes.Status415UnsupportedMediaType
                        ? new() { Status = 415, Title = "Unsupported content type.", Detail = "Send the body as application/json." }
                        : new() { Status = http.Response.StatusCode },
                });
            }
        });
}

/// <summary>Shows pipeline outcomes (not found, not allowed, conflict) and failures to browsers as themed pages.</summary>
public sealed class HtmlExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!HtmlErrorPages.WantsHtml(httpContext))
        {
            return false;
        }

        if (exception is FreshProofRequiredException)
        {
            // Confirm first, then come back to the page the form was on (a GET page: the form's own page).
            var back = httpContext.Request.Method == HttpMethods.Get ? (httpContext.Request.Path + httpContext.Request.QueryString).ToString() : "/profile";
            httpContext.Response.Redirect($"{RequestExceptionHandler.FreshProofPage}?returnUrl={Uri.EscapeDataString(back)}");
            return true;
        }

        var problem = RequestExceptionHandler.ToProblem(exception);
        await HtmlErrorPages.RenderAsync(httpContext, problem?.Status ?? StatusCodes.Status500InternalServerError, problem?.Detail);
        return true;
    }
}

/// <summary>What the error page shows: the status, its title, what happened and the trace id to quote.</summary>
public sealed record ErrorPageModel(int Status, string Title, string Detail, string TraceId);
