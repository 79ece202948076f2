using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Framework.Localisation;

/// <summary>The language a user chose for themselves, if any; implemented by the module that owns accounts.</summary>
public interface IUserLanguages
{
    ValueTask<string?> LanguageOfAsync(Guid userId, CancellationToken cancellationToken);
}

/// <summary>
/// Which language a request is answered in, decided once per request with ASP.NET Core's request localisation: the
/// signed-in user's own choice; else the choice a visitor made on the sign-in page (a cookie); else the default of the
/// reseller whose portal the host name is. The request's UI culture is set to it; the formatting culture stays the
/// process's, so nothing the portal writes for machines (domain XML, JSON, file names) changes with a user's language.
/// Browsers show dates and numbers in the page's language themselves.
/// </summary>
public static class RequestLanguage
{
    /// <summary>The cookie a visitor's choice is kept in until they sign in.</summary>
    public const string CookieName = "vcore.lang";

    /// <summary>The language of this request: <c>en</c> or <c>de</c>.</summary>
    public static string Of(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var culture = http.Features.Get<IRequestCultureFeature>()?.RequestCulture.UICulture.TwoLetterISOLanguageName;
        return PortalLanguages.IsSupported(culture) ? culture! : ResellerDefault(http);
    }

    /// <summary>The language of the host's reseller, for whoever chose none.</summary>
    private static string ResellerDefault(HttpContext http) =>
        HostTenancy.ResellerOf(http)?.Language is { } reseller && PortalLanguages.IsSupported(reseller) ? reseller : PortalLanguages.English;

    /// <summary>Decides the language after authentication (the user's choice needs the user).</summary>
    public static IApplicationBuilder UseRequestLanguage(this IApplicationBuilder app)
    {
        var formatting = System.Globalization.CultureInfo.CurrentCulture;
        return app.UseRequestLocalization(new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(formatting, PortalLanguages.Culture(PortalLanguages.English)),
            SupportedCultures = [formatting],
            SupportedUICultures = [.. PortalLanguages.All.Select(PortalLanguages.Culture)],
            FallBackToParentCultures = true,
            FallBackToParentUICultures = true,
            RequestCultureProviders = [new PortalCultureProvider()],
        });
    }

    /// <summary>Remembers a visitor's choice of language for the sign-in pages (a year; it carries nothing else).</summary>
    public static void RememberChoice(HttpContext http, string language)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.Cookies.Append(CookieName, language, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = http.Request.IsHttps,
            MaxAge = TimeSpan.FromDays(365),
            IsEssential = true,
        });
    }

    private sealed class PortalCultureProvider : RequestCultureProvider
    {
        public override async Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
        {
            var language = await ChooseAsync(httpContext);
            var culture = PortalLanguages.Culture(language).Name;

            // Only the UI culture is the user's: the formatting culture falls back to the process's (see above).
            return new ProviderCultureResult(System.Globalization.CultureInfo.CurrentCulture.Name, culture);
        }

        private static async ValueTask<string> ChooseAsync(HttpContext http)
        {
            if (http.User.Identity?.IsAuthenticated == true
                && Guid.TryParse(http.User.FindFirst(ClaimTypes.NameIdentifier)?.Value, out var userId)
                && http.RequestServices.GetService<IUserLanguages>() is { } users
                && await users.LanguageOfAsync(userId, http.RequestAborted) is { } own
                && PortalLanguages.IsSupported(own))
            {
                return own;
            }

            if (http.Request.Cookies.TryGetValue(CookieName, out var chosen) && PortalLanguages.IsSupported(chosen))
            {
                return chosen;
            }

            return ResellerDefault(http);
        }
    }
}

/// <summary>
/// How a reseller's portal speaks when no request is there to ask (e-mails sent in the background): its default
/// language and the theme whose wording it uses. Implemented by the module that owns resellers.
/// </summary>
public interface IResellerLanguages
{
    ValueTask<(string Language, string? Theme)> OfAsync(Guid resellerId, CancellationToken cancellationToken);
}
