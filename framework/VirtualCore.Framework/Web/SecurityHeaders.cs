using Microsoft.AspNetCore.Builder;

namespace VirtualCore.Framework.Web;

/// <summary>
/// The browser-side rules for every answer — page, asset, API, error: scripts only from the portal's own files (no
/// inline script, no eval), no plugins, no framing, no sniffing of content types, no full URLs in referrers.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// The policy of every answer that sets none of its own. Styles are as strict as scripts: the theme's colours come
    /// from a stylesheet, meters are sized by a script. The one-time password's QR code is a data URI; SignalR connects
    /// to the portal's own origin (which 'self' covers for WebSockets too).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// The policy of the serial console's page: the same, except that inline styles are allowed, because the terminal
    /// (xterm.js) sizes and colours its rows with style elements and attributes it writes. Scripts stay as strict, so
    /// only the portal's own scripts can add styles; no page content there is a customer's beyond the VM's name, which
    /// is escaped like everywhere.
    /// </summary>
    public const string TerminalContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// The policy of a theme preview: the same, except that the theme editor of the same origin may frame it.
    /// </summary>
    public const string PreviewContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

    /// <summary>Adds the headers to every response that passes this point; put it first in the pipeline.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;

            // An answer with a stricter policy of its own (an SVG asset) keeps it.
            if (!headers.ContainsKey("Content-Security-Policy"))
            {
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
            }

            headers.XContentTypeOptions = "nosniff";
            // A theme's preview is framed by the theme editor on the same origin; nothing else is framed at all.
            headers.XFrameOptions = ThemePreview.IsPreview(http) ? "SAMEORIGIN" : "DENY";
            headers["Referrer-Policy"] = "same-origin";
            return Task.CompletedTask;
        });
        return next(http);
    });
}
