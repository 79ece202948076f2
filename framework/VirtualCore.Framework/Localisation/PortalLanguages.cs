using System.Globalization;

namespace VirtualCore.Framework.Localisation;

/// <summary>
/// The languages the portal speaks. Texts are written in English in the code and the templates; English is the
/// language every other one is translated from, and what a text falls back to when a translation is missing.
/// </summary>
public static class PortalLanguages
{
    public const string English = "en";

    public const string German = "de";

    /// <summary>Every language a user or reseller may choose, in the order they are offered.</summary>
    public static IReadOnlyList<string> All { get; } = [English, German];

    /// <summary>Whether <paramref name="code"/> is one of <see cref="All"/> (exactly, lower case).</summary>
    public static bool IsSupported(string? code) => code is English or German;

    /// <summary>The language's name in itself, as a language switch shows it.</summary>
    public static string NativeName(string code) => code switch
    {
        German => "Deutsch",
        _ => "English",
    };

    /// <summary>The culture dates and numbers of the language are written in.</summary>
    public static CultureInfo Culture(string code) => CultureInfo.GetCultureInfo(code == German ? "de-DE" : "en-GB");

    /// <summary>The supported language an <c>Accept-Language</c> style tag (<c>de-AT</c>, <c>en_US</c>) names, if any.</summary>
    public static string? FromTag(string? tag)
    {
        if (string.IsNullOrWhiteSpace(tag))
        {
            return null;
        }

        var primary = tag.Trim().Split('-', '_', ';')[0].ToLowerInvariant();
        return IsSupported(primary) ? primary : null;
    }
}
