using System.Text.RegularExpressions;

namespace VirtualCore.Framework.Views;

/// <summary>
/// The one rule for every path a theme, a template or a URL names: relative, forward slashes, plain
/// segments. Anything else could leave the theme folder, so it is refused rather than normalised.
/// </summary>
internal static partial class ThemePaths
{
    public const string TemplateExtension = ".sbn-html";
    public const string ManifestFileName = "theme.json";
    public const string TemplatesFolder = "templates";
    public const string AssetsFolder = "assets";
    public const string LocalesFolder = "locales";
    public const string DefaultThemeName = "Default";
    public const string LayoutTemplatePath = "Layout.sbn-html";

    private const int MaxPathLength = 256;

    public static bool IsValidThemeName(string? name) => name is not null && ThemeNamePattern().IsMatch(name);

    public static bool IsSafeRelativePath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path.Length > MaxPathLength || !SafePathCharacters().IsMatch(path))
        {
            return false;
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsSafeTemplatePath(string? path) =>
        IsSafeRelativePath(path) && path!.EndsWith(TemplateExtension, StringComparison.Ordinal) && path.Length > TemplateExtension.Length;

    /// <summary>The language a file of the <c>locales</c> folder holds the texts of (<c>de.json</c> → <c>de</c>), if it is one.</summary>
    public static string? LanguageOfLocale(string path) =>
        path.EndsWith(".json", StringComparison.Ordinal) && Localisation.PortalLanguages.IsSupported(path[..^5]) ? path[..^5] : null;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ThemeNamePattern();

    // Backslashes, colons, spaces and anything outside ASCII never reach a file name or a URL.
    [GeneratedRegex("^[A-Za-z0-9_./-]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SafePathCharacters();
}
