using System.IO.Compression;
using System.Net;
using Microsoft.Net.Http.Headers;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Views;
using VirtualCore.Framework.Web;

namespace VirtualCore.Portal.Hosting;

/// <summary>
/// Interactive API documentation at <c>/api/docs</c>: Scalar's API reference (its script, shipped inside
/// Scalar.AspNetCore) over this portal's OpenAPI document, in the brand of the reseller whose host name it is opened
/// on — the reseller's name in the title, its favicon and its colour. The page is the portal's own, not Scalar's:
/// no inline script (the reference is started by <c>/api/docs/docs.js</c>), no fonts, telemetry or proxy from
/// elsewhere, and "try it" calls go to this origin only.
/// </summary>
internal static class ApiReference
{
    public const string Path = "/api/docs";

    /// <summary>
    /// The page's policy: the portal's, except that styles may be inline (the reference, a Vue application, writes its
    /// own style elements) and fonts may be data URIs. Scripts stay as strict: only this origin's files run.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private const string ScalarResource = "ScalarStaticAssets.scalar.js";

    // Started without inline script: the page's element says where the document is; the title (the brand) comes from the page.
    private const string StartScript = """
        (function () {
          var app = document.getElementById('app');
          // The theme's colour (variables.css, loaded before this script runs) is the reference's accent; theme
          // colours are validated as #rgb or #rrggbb when the theme is loaded, so they are safe inside CSS.
          var brand = getComputedStyle(document.documentElement).getPropertyValue('--brand').trim();
          var css = /^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/.test(brand)
            ? '.light-mode, .dark-mode { --scalar-color-accent: ' + brand + '; --scalar-sidebar-color-active: ' + brand + '; }'
            : '';
          window.Scalar.createApiReference('#app', {
            customCss: css,
            url: app.dataset.document,
            metaData: { title: document.title },
            withDefaultFonts: false,
            telemetry: false,
            hideClientButton: false,
            showDeveloperTools: 'never',
            agent: { disabled: true },
            mcp: { disabled: true },
            persistAuth: false,
            defaultHttpClient: { targetKey: 'shell', clientKey: 'curl' }
          });
        })();
        """;

    private static readonly Lazy<byte[]> CompressedScript = new(() =>
    {
        using var resource = typeof(Scalar.AspNetCore.ScalarOptions).Assembly.GetManifestResourceStream(ScalarResource)
            ?? throw new InvalidOperationException($"Scalar.AspNetCore no longer ships '{ScalarResource}'.");
        using var copy = new MemoryStream();
        resource.CopyTo(copy);
        return copy.ToArray();
    });

    private static readonly Lazy<byte[]> PlainScript = new(() =>
    {
        using var gzip = new GZipStream(new MemoryStream(CompressedScript.Value), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        return plain.ToArray();
    });

    private static readonly string ScriptVersion = typeof(Scalar.AspNetCore.ScalarOptions).Assembly.GetName().Version?.ToString() ?? "0";

    public static IEndpointRouteBuilder MapApiReference(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, async (HttpContext http, IThemeSelector selector, ThemeRegistry themes) =>
        {
            var reseller = HostTenancy.ResellerOf(http);
            var theme = await selector.ThemeForAsync(http);
            var variables = themes.GetVariables(theme);
            var brand = reseller?.BrandName ?? variables.BrandName ?? "VirtualCore";
            var icon = variables.FaviconUrl ?? variables.LogoUrl;
            var language = RequestLanguage.Of(http);
            http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            http.Response.Headers.CacheControl = "no-cache";
            var html = $"""
                <!DOCTYPE html>
                <html lang="{Encode(language)}">
                <head>
                  <meta charset="utf-8">
                  <meta name="viewport" content="width=device-width, initial-scale=1">
                  <title>{Encode(brand)} · API</title>
                  {(icon is null ? "" : $"<link rel=\"icon\" href=\"{Encode(icon)}\">")}
                  <link rel="stylesheet" href="/themes/{Encode(theme)}/variables.css">
                </head>
                <body>
                  <div id="app" data-document="/openapi/v1.json"></div>
                  <script src="{Path}/scalar.js?v={Encode(ScriptVersion)}"></script>
                  <script src="{Path}/docs.js"></script>
                </body>
                </html>
                """;
            return Results.Content(html, "text/html; charset=utf-8");
        }).AllowAnonymous().ExcludeFromDescription();

        endpoints.MapGet(Path + "/scalar.js", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=604800";
            http.Response.Headers.Vary = HeaderNames.AcceptEncoding;
            var acceptsGzip = http.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);
            if (acceptsGzip)
            {
                http.Response.Headers.ContentEncoding = "gzip";
                return Results.Bytes(CompressedScript.Value, "text/javascript; charset=utf-8");
            }

            return Results.Bytes(PlainScript.Value, "text/javascript; charset=utf-8");
        }).AllowAnonymous().ExcludeFromDescription();

        endpoints.MapGet(Path + "/docs.js", () => Results.Text(StartScript, "text/javascript; charset=utf-8"))
            .AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    private static string Encode(string value) => WebUtility.HtmlEncode(value);
}
