using Microsoft.AspNetCore.Http;

namespace VirtualCore.Framework.Web;

/// <summary>
/// A page rendered in a theme version that is not (yet) in use, for the theme editor: framed by the editor on the same
/// origin, never cached, and the sign-in page shown as a signed-out visitor sees it.
/// </summary>
public static class ThemePreview
{
    private static readonly object Key = new();

    public static void Mark(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Items[Key] = true;
        http.Response.Headers.ContentSecurityPolicy = SecurityHeaders.PreviewContentSecurityPolicy;
        http.Response.Headers.XFrameOptions = "SAMEORIGIN";
        http.Response.Headers.CacheControl = "no-store";
    }

    public static bool IsPreview(HttpContext http) => http?.Items.ContainsKey(Key) == true;

    /// <summary>Whether the page is shown as to a visitor who has not signed in: the sign-in page's preview.</summary>
    public static bool ShowsSignedOut(HttpContext http) =>
        IsPreview(http) && (http.Request.Path.StartsWithSegments("/login") || http.Request.Path.StartsWithSegments("/setup"));
}
