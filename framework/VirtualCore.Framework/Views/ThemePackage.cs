namespace VirtualCore.Framework.Views;

/// <summary>
/// A theme held in memory: its manifest, templates by relative path (<c>Compute/VmList.sbn-html</c>) and assets by
/// relative path (<c>logo.svg</c>). Built only by <see cref="ThemePackageReader"/>, which validated every file.
/// </summary>
public sealed class ThemePackage
{
    internal ThemePackage(ThemeManifest manifest, IReadOnlyDictionary<string, string> templates, IReadOnlyDictionary<string, byte[]> assets, IReadOnlyDictionary<string, string>? locales = null)
    {
        Manifest = manifest;
        Templates = templates;
        Assets = assets;
        Locales = locales ?? new Dictionary<string, string>(StringComparer.Ordinal);
    }

    public ThemeManifest Manifest { get; }

    public IReadOnlyDictionary<string, string> Templates { get; }

    public IReadOnlyDictionary<string, byte[]> Assets { get; }

    /// <summary>The theme's own texts by language (<c>de</c>): the JSON of <c>locales/de.json</c>, already checked.</summary>
    public IReadOnlyDictionary<string, string> Locales { get; }

    /// <summary>A theme of settings only, over its base theme's templates and assets.</summary>
    public static ThemePackage Of(ThemeManifest manifest) =>
        new(manifest, new Dictionary<string, string>(StringComparer.Ordinal), new Dictionary<string, byte[]>(StringComparer.Ordinal));

    /// <summary>The same templates and assets with other settings (the theme editor's save).</summary>
    public ThemePackage WithSettings(ThemeVariables settings) => new(Manifest with { Variables = settings }, Templates, Assets, Locales);

    /// <summary>The same theme with other texts for one language (the theme editor's texts); null or empty removes them.</summary>
    public ThemePackage WithTexts(string language, string? json)
    {
        var locales = new Dictionary<string, string>(Locales, StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            locales.Remove(language);
        }
        else
        {
            locales[language] = json;
        }

        return new(Manifest, Templates, Assets, locales);
    }
}
