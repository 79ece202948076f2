using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Views;

namespace VirtualCore.Framework.Web;

/// <summary>
/// Serves theme files. A theme is uploaded by a reseller, so its files are served only as what they are — a fixed
/// list of types, never HTML, and SVG as an image that runs nothing — and only on the host names of resellers whose
/// theme is that theme or built on it: no reseller's file ever runs on another reseller's or the provider's origin.
/// </summary>
public static class ThemeAssets
{
    /// <summary>
    /// An SVG opened by itself is a document on the portal's origin; this policy keeps its scripts from running and
    /// gives it no origin at all. Images in pages are unaffected (an SVG in an img element never runs script).
    /// </summary>
    public const string SvgContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".webp"] = "image/webp",
        [".ico"] = "image/x-icon",
        [".svg"] = "image/svg+xml",
        [".woff"] = "font/woff",
        [".woff2"] = "font/woff2",
    };

    /// <summary>
    /// Maps <c>/themes/{theme}/assets/{**path}</c> and <c>/themes/{theme}/variables.css</c> (the theme's colours as
    /// CSS custom properties, so pages need no inline style).
    /// </summary>
    public static IEndpointRouteBuilder MapThemeAssets(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/themes/{theme}/assets/{**path}", async (string theme, string path, HttpContext http, ThemeRegistry themes, IThemeSelector selector) =>
        {
            if (ContentTypeOf(path) is not { } contentType || !await selector.MayServeAsync(http, theme) || !themes.TryGetAsset(theme, path, out var file))
            {
                return Results.NotFound();
            }

            if (contentType == ContentTypes[".svg"])
            {
                http.Response.Headers.ContentSecurityPolicy = SvgContentSecurityPolicy;
            }

            return file.Path is { } onDisk ? Results.File(onDisk, contentType) : Results.Bytes(file.Content!.Value, contentType);
        }).ExcludeFromDescription();

        // The texts the theme's scripts say, in the page's language (the layout loads it first).
        endpoints.MapGet("/themes/{theme}/texts/{language}.js", async (string theme, string language, HttpContext http, ThemeRegistry themes, IThemeSelector selector) =>
        {
            if (!Localisation.PortalLanguages.IsSupported(language) || !await selector.MayServeAsync(http, theme))
            {
                return Results.NotFound();
            }

            http.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.Text(themes.GetScriptTexts(theme, language), ContentTypes[".js"]);
        }).ExcludeFromDescription();

        endpoints.MapGet("/themes/{theme}/variables.css", async (string theme, HttpContext http, ThemeRegistry themes, IThemeSelector selector) =>
            await selector.MayServeAsync(http, theme)
                ? Results.Text(VariablesCss(themes.GetVariables(theme)), ContentTypes[".css"])
                : Results.NotFound()).ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>Whether the host's reseller uses <paramref name="theme"/> or a theme built on it (installed themes).</summary>
    public static bool ServedOn(HttpContext http, string theme, ThemeRegistry themes)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(themes);
        var hostTheme = HostTenancy.ResellerOf(http)?.ThemeName;
        var chain = hostTheme is not null && themes.IsLoaded(hostTheme)
            ? themes.GetThemeChain(hostTheme)
            : [ThemePaths.DefaultThemeName];
        return chain.Contains(theme, StringComparer.Ordinal);
    }

    /// <summary>The content type a theme file is served with, or null when files of its kind are not served.</summary>
    private static string? ContentTypeOf(string path) => ContentTypes.GetValueOrDefault(Path.GetExtension(path));

    // Colours and fonts are validated when the theme is loaded (ThemeManifest: #rgb or #rrggbb, a font of the safe
    // list), so they are safe inside CSS.
    private static string VariablesCss(ThemeVariables variables)
    {
        var css = new StringBuilder(":root {");
        void Add(string property, string? value)
        {
            if (value is not null)
            {
                css.Append(' ').Append(property).Append(": ").Append(value).Append(';');
            }
        }

        Add("--brand", variables.PrimaryColor);
        Add("--accent", variables.AccentColor);
        Add("--bg", variables.BackgroundColor);
        Add("--text", variables.TextColor);
        Add("--font", ThemeSettingsSchema.FontStack(variables.Font));
        Add("--heading-font", ThemeSettingsSchema.FontStack(variables.HeadingFont ?? variables.Font));
        return css.Append(" }\n").ToString();
    }
}
