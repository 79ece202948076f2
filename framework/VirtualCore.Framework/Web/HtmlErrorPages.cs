using System.Diagnostics;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
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

    /// <summary>The detail of a bare 401 from the API when the credentials sent were not even looked at.</summary>
    public const string SignInFirst = "Send an API token (Authorization: Bearer …), HTTP Basic credentials or the session cookie of POST /api/v1/session.";

    /// <summary>
    /// Renders status-code-only responses (unknown routes, 403s) as themed pages for browsers; API clients get a
    /// problem document for every bare refusal the framework answers itself — no credentials or wrong ones (401, with
    /// the reason the credentials were refused), no permission (403), no such route (404), too many sign-in attempts
    /// (429), a request of the wrong form (400, 405, 406, 413, 415) — so a script always has a reason to show.
    /// </summary>
    public static IApplicationBuilder UseHtmlStatusPages(this IApplicationBuilder app) =>
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            if (WantsHtml(http))
            {
                await RenderAsync(http, http.Response.StatusCode, null);
            }
            else if (http.Request.Path.StartsWithSegments("/api") && await ApiProblemAsync(http) is { } problem)
            {
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
            }
        });

    private static async Task<ProblemDetails?> ApiProblemAsync(HttpContext http) => http.Response.StatusCode switch
    {
        // The handler remembers its outcome for the request: asking again checks no password twice.
        StatusCodes.Status401Unauthorized => new()
        {
            Status = StatusCodes.Status401Unauthorized,
            Title = "Not signed in.",
            Detail = (await http.AuthenticateAsync()).Failure?.Message ?? SignInFirst,
        },
        StatusCodes.Status403Forbidden => new() { Status = StatusCodes.Status403Forbidden, Title = "Not allowed.", Detail = "Your account may not do this." },
        StatusCodes.Status404NotFound => new() { Status = StatusCodes.Status404NotFound, Title = "Not found.", Detail = "There is nothing here — or nothing you may see." },
        StatusCodes.Status429TooManyRequests => new() { Status = StatusCodes.Status429TooManyRequests, Title = "Too many attempts.", Detail = "Too many attempts from your address. Wait a minute and try again." },
        StatusCodes.Status415UnsupportedMediaType => new() { Status = StatusCodes.Status415UnsupportedMediaType, Title = "Unsupported content type.", Detail = "Send the body as application/json." },
        StatusCodes.Status400BadRequest or StatusCodes.Status405MethodNotAllowed or StatusCodes.Status406NotAcceptable or StatusCodes.Status413PayloadTooLarge => new() { Status = http.Response.StatusCode },
        _ => null,
    };
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
