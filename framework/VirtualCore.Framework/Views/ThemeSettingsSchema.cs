namespace VirtualCore.Framework.Views;

/// <summary>What a theme setting holds; each kind has one validation rule.</summary>
public enum ThemeSettingKind
{
    /// <summary>Plain text without control characters, up to the field's length.</summary>
    Text,

    /// <summary>A colour written #rgb or #rrggbb (safe inside CSS).</summary>
    Color,

    /// <summary>A path under the theme's assets or an absolute https URL (safe inside src and CSS url()).</summary>
    Image,

    /// <summary>An absolute https URL or a path on the portal starting with a single /.</summary>
    Link,

    /// <summary>One of the font stacks of <see cref="ThemeSettingsSchema.Fonts"/>; no web font is fetched from elsewhere.</summary>
    Font,

    /// <summary>An e-mail address.</summary>
    Email,

    /// <summary>A telephone number.</summary>
    Phone,

    /// <summary>A list of links, each a label and a <see cref="Link"/>.</summary>
    Links,
}

/// <summary>One setting of the schema: its key in theme.json, kind, label and help in the theme editor.</summary>
public sealed record ThemeSettingField(string Key, ThemeSettingKind Kind, string Label, string Help, int MaxLength = 200)
{
    /// <summary>The name templates read it by under <c>theme</c> (Scriban's naming: brandName → brand_name).</summary>
    public string TemplateName => Scriban.Runtime.StandardMemberRenamer.Rename(char.ToUpperInvariant(Key[0]) + Key[1..]);
}

/// <summary>
/// The typed settings every theme may set in theme.json under <c>settings</c>, and the theme editor edits without
/// template knowledge. One list drives parsing, the editor's form, the template names and the theme guide.
/// </summary>
public static class ThemeSettingsSchema
{
    public const int MaxFooterLinks = 8;

    /// <summary>The font stacks a theme may choose; system fonts only, so no page loads a font from another site.</summary>
    public static IReadOnlyDictionary<string, string> Fonts { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["system"] = "system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", \"Noto Sans\", \"Liberation Sans\", Arial, sans-serif",
        ["humanist"] = "\"Fira Sans\", \"Segoe UI\", Candara, \"Trebuchet MS\", \"DejaVu Sans\", sans-serif",
        ["geometric"] = "\"Avenir Next\", Avenir, Montserrat, \"Century Gothic\", \"URW Gothic\", sans-serif",
        ["serif"] = "Georgia, \"Iowan Old Style\", \"Palatino Linotype\", \"DejaVu Serif\", \"Times New Roman\", serif",
        ["slab"] = "\"Roboto Slab\", Rockwell, \"Courier New\", \"DejaVu Serif\", serif",
        ["mono"] = "ui-monospace, \"DejaVu Sans Mono\", Menlo, Consolas, \"Liberation Mono\", monospace",
    };

    public static IReadOnlyList<ThemeSettingField> Fields { get; } =
    [
        new("brandName", ThemeSettingKind.Text, "Brand name", "Shown in the header, the page titles and e-mails.", ThemeManifest.MaxBrandNameLength),
        new("logoUrl", ThemeSettingKind.Image, "Logo", "assets/logo.svg in the theme, or an https URL."),
        new("faviconUrl", ThemeSettingKind.Image, "Favicon", "The browser tab's icon; the logo when empty."),
        new("primaryColor", ThemeSettingKind.Color, "Brand colour", "Buttons, links and the current navigation item."),
        new("accentColor", ThemeSettingKind.Color, "Accent colour", "Highlights and positive states."),
        new("backgroundColor", ThemeSettingKind.Color, "Page background", "Behind the cards."),
        new("textColor", ThemeSettingKind.Color, "Text colour", "Body text."),
        new("font", ThemeSettingKind.Font, "Font", "Body text; one of the safe font stacks."),
        new("headingFont", ThemeSettingKind.Font, "Heading font", "Headings; the body font when empty."),
        new("footerText", ThemeSettingKind.Text, "Footer text", "A line at the foot of every page.", ThemeManifest.MaxFooterTextLength),
        new("footerLinks", ThemeSettingKind.Links, "Footer links", $"Up to {MaxFooterLinks} links, each a label and a URL."),
        new("supportEmail", ThemeSettingKind.Email, "Support e-mail", "Where customers write for help.", 254),
        new("supportPhone", ThemeSettingKind.Phone, "Support telephone", "Where customers call for help.", 30),
        new("supportUrl", ThemeSettingKind.Link, "Support page", "Your help desk or status page."),
        new("imprintUrl", ThemeSettingKind.Link, "Legal notice (Impressum)", "Required for German providers (§5 DDG)."),
        new("privacyUrl", ThemeSettingKind.Link, "Privacy policy", "Your privacy notice (GDPR Art. 13)."),
    ];

    public static ThemeSettingField? Find(string key) => Fields.FirstOrDefault(f => f.Key == key);

    /// <summary>The CSS font stack of a font setting, or null.</summary>
    public static string? FontStack(string? font) => font is not null && Fonts.TryGetValue(font, out var stack) ? stack : null;

    internal static ThemeVariables FromDictionary(IReadOnlyDictionary<string, object> values)
    {
        string? Text(string key) => values.TryGetValue(key, out var value) ? (string)value : null;
        return new ThemeVariables(
            Text("brandName"),
            Text("logoUrl"),
            Text("primaryColor"),
            Text("accentColor"),
            Text("footerText"),
            Text("faviconUrl"),
            Text("backgroundColor"),
            Text("textColor"),
            Text("font"),
            Text("headingFont"),
            Text("supportEmail"),
            Text("supportPhone"),
            Text("supportUrl"),
            Text("imprintUrl"),
            Text("privacyUrl"),
            values.TryGetValue("footerLinks", out var links) ? (ThemeLinks)links : null);
    }

    /// <summary>The settings by key, leaving out those not set.</summary>
    public static IReadOnlyDictionary<string, object> ToDictionary(ThemeVariables settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["brandName"] = settings.BrandName,
            ["logoUrl"] = settings.LogoUrl,
            ["faviconUrl"] = settings.FaviconUrl,
            ["primaryColor"] = settings.PrimaryColor,
            ["accentColor"] = settings.AccentColor,
            ["backgroundColor"] = settings.BackgroundColor,
            ["textColor"] = settings.TextColor,
            ["font"] = settings.Font,
            ["headingFont"] = settings.HeadingFont,
            ["footerText"] = settings.FooterText,
            ["footerLinks"] = settings.FooterLinks?.Select(l => new Dictionary<string, string> { ["label"] = l.Label, ["url"] = l.Url }).ToArray(),
            ["supportEmail"] = settings.SupportEmail,
            ["supportPhone"] = settings.SupportPhone,
            ["supportUrl"] = settings.SupportUrl,
            ["imprintUrl"] = settings.ImprintUrl,
            ["privacyUrl"] = settings.PrivacyUrl,
        };
        return values.Where(v => v.Value is not null).ToDictionary(v => v.Key, v => v.Value!, StringComparer.Ordinal);
    }

    /// <summary>Each setting taken from the first that sets it, nearest first.</summary>
    public static ThemeVariables Merge(IEnumerable<ThemeVariables> nearestFirst) =>
        nearestFirst.Aggregate(new ThemeVariables(), (m, n) => new ThemeVariables(
            m.BrandName ?? n.BrandName,
            m.LogoUrl ?? n.LogoUrl,
            m.PrimaryColor ?? n.PrimaryColor,
            m.AccentColor ?? n.AccentColor,
            m.FooterText ?? n.FooterText,
            m.FaviconUrl ?? n.FaviconUrl,
            m.BackgroundColor ?? n.BackgroundColor,
            m.TextColor ?? n.TextColor,
            m.Font ?? n.Font,
            m.HeadingFont ?? n.HeadingFont,
            m.SupportEmail ?? n.SupportEmail,
            m.SupportPhone ?? n.SupportPhone,
            m.SupportUrl ?? n.SupportUrl,
            m.ImprintUrl ?? n.ImprintUrl,
            m.PrivacyUrl ?? n.PrivacyUrl,
            m.FooterLinks ?? n.FooterLinks));
}
