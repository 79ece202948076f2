using Microsoft.AspNetCore.Http;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Views;

namespace VirtualCore.Framework.Localisation;

/// <summary>
/// Translates what the portal says outside templates — problem details, reasons a form was refused, e-mails — with the
/// same catalogues the pages use: those of the reseller's theme chain, so a reseller's own texts apply everywhere.
/// Code keeps writing English; the translation happens where a text leaves for a person.
/// </summary>
public sealed class PortalTexts(ThemeRegistry registry)
{
    /// <summary>The translation of <paramref name="text"/> for this request's language and reseller.</summary>
    public string Translate(HttpContext http, string text)
    {
        ArgumentNullException.ThrowIfNull(http);
        return Translate(text, RequestLanguage.Of(http), HostTenancy.ResellerOf(http)?.ThemeName);
    }

    /// <summary>The translation of <paramref name="text"/> into <paramref name="language"/> with a theme's texts.</summary>
    public string Translate(string text, string language, string? theme = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var catalogue = registry.GetTexts(theme is not null && registry.IsLoaded(theme) ? theme : ThemeRegistry.DefaultTheme, PortalLanguages.IsSupported(language) ? language : PortalLanguages.English);
        return catalogue.TryTranslate(text, out var translation) ? translation : text;
    }

    /// <summary>A text with placeholders (<c>"Firing since {0}"</c>) translated and filled.</summary>
    public string Format(string text, string language, string? theme, params object?[] values) =>
        TextCatalogue.Fill(Translate(text, language, theme), values);

    /// <summary>Translates a problem document as it is written: title, detail and every field's reasons.</summary>
    public void Translate(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        if (RequestLanguage.Of(http) == PortalLanguages.English && HostTenancy.ResellerOf(http)?.ThemeName is null or ThemeRegistry.DefaultTheme)
        {
            return;
        }

        problem.Title = problem.Title is null ? null : Translate(http, problem.Title);
        if (problem is HttpValidationProblemDetails validation && validation.Errors.Count > 0)
        {
            foreach (var (field, reasons) in validation.Errors.ToList())
            {
                validation.Errors[field] = [.. reasons.Select(r => Translate(http, r))];
            }

            problem.Detail = string.Join(" ", validation.Errors.SelectMany(e => e.Value.Select(r => $"{e.Key}: {r}")));
        }
        else if (problem.Detail is not null)
        {
            problem.Detail = Translate(http, problem.Detail);
        }
    }
}
