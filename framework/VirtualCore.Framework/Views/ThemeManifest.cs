using System.Text.Json;
using System.Text.RegularExpressions;

namespace VirtualCore.Framework.Views;

/// <summary>
/// The typed settings a theme sets for its templates (<c>settings</c> in theme.json, see <see cref="ThemeSettingsSchema"/>);
/// null means "inherit from the base theme".
/// </summary>
public sealed record ThemeVariables(
    string? BrandName = null,
    string? LogoUrl = null,
    string? PrimaryColor = null,
    string? AccentColor = null,
    string? FooterText = null,
    string? FaviconUrl = null,
    string? BackgroundColor = null,
    string? TextColor = null,
    string? Font = null,
    string? HeadingFont = null,
    string? SupportEmail = null,
    string? SupportPhone = null,
    string? SupportUrl = null,
    string? ImprintUrl = null,
    string? PrivacyUrl = null,
    ThemeLinks? FooterLinks = null);

/// <summary>A link a theme shows (footer links); the URL is https or a path on the portal.</summary>
public sealed record ThemeLink(string Label, string Url);

/// <summary>A theme's list of links, compared by value.</summary>
public sealed class ThemeLinks(IEnumerable<ThemeLink> links) : IEquatable<ThemeLinks>, IReadOnlyList<ThemeLink>
{
    private readonly ThemeLink[] _links = [.. links];

    public int Count => _links.Length;

    public ThemeLink this[int index] => _links[index];

    public bool Equals(ThemeLinks? other) => other is not null && _links.SequenceEqual(other._links);

    public override bool Equals(object? obj) => Equals(obj as ThemeLinks);

    public override int GetHashCode() => _links.Aggregate(0, (hash, link) => HashCode.Combine(hash, link));

    public IEnumerator<ThemeLink> GetEnumerator() => ((IEnumerable<ThemeLink>)_links).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _links.GetEnumerator();
}

/// <summary>
/// A theme's <c>theme.json</c>. Values that end up in CSS or URLs are validated here, so a template can
/// place them in a style attribute or an <c>src</c> without further checks.
/// </summary>
public sealed partial record ThemeManifest(string Name, string? Base, ThemeVariables Variables, string? Version = null)
{
    public const int MaxBrandNameLength = 60;
    public const int MaxFooterTextLength = 200;

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 8,
    };

    /// <summary>Parses and validates theme.json text.</summary>
    /// <exception cref="ThemeValidationException">Lists every field that is missing or invalid.</exception>
    public static ThemeManifest Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new ThemeValidationException([new ThemeValidationError(ThemePaths.ManifestFileName, $"is not valid JSON ({ex.Message})")]);
        }

        using (document)
        {
            var errors = new List<ThemeValidationError>();
            var manifest = Read(document.RootElement, errors);
            if (errors.Count > 0)
            {
                throw new ThemeValidationException(errors);
            }

            return manifest;
        }
    }

    /// <summary>Checks settings entered in a form (the theme editor) by the same rules as theme.json.</summary>
    /// <exception cref="ThemeValidationException">Lists every setting that is invalid, as <c>settings.&lt;key&gt;</c>.</exception>
    public static ThemeVariables ValidateSettings(IReadOnlyDictionary<string, JsonElement> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = new List<ThemeValidationError>();
        var variables = ReadSettings(settings, "settings.", errors);
        return errors.Count > 0 ? throw new ThemeValidationException(errors) : variables;
    }

    /// <summary>The theme.json text of this manifest, settings under <c>settings</c>.</summary>
    public string ToJson()
    {
        var root = new Dictionary<string, object?> { ["name"] = Name };
        if (Version is not null)
        {
            root["version"] = Version;
        }

        if (Base is not null)
        {
            root["base"] = Base;
        }

        root["settings"] = ThemeSettingsSchema.ToDictionary(Variables);
        return JsonSerializer.Serialize(root, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static ThemeManifest Read(JsonElement root, List<ThemeValidationError> errors)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(ThemePaths.ManifestFileName, "must be a JSON object"));
            return new ThemeManifest(string.Empty, null, new ThemeVariables());
        }

        var fields = ReadObject(root, string.Empty, ["name", "version", "base", "settings", "variables"], errors);

        var name = ReadString(fields, "name", errors);
        if (name is null)
        {
            if (!fields.ContainsKey("name"))
            {
                errors.Add(new("name", "is required"));
            }
        }
        else if (!ThemePaths.IsValidThemeName(name))
        {
            errors.Add(new("name", "must be 1–64 letters, digits, '-' or '_', starting with a letter or digit"));
        }

        var version = ReadString(fields, "version", errors);
        if (version is not null && !VersionPattern().IsMatch(version))
        {
            errors.Add(new("version", "must be a version written major.minor.patch, e.g. 1.2.0"));
        }

        var baseName = ReadString(fields, "base", errors);
        if (baseName is not null && !ThemePaths.IsValidThemeName(baseName))
        {
            errors.Add(new("base", "must be the name of another theme"));
        }
        else if (baseName is not null && baseName == name)
        {
            errors.Add(new("base", "must not name the theme itself"));
        }

        if (fields.ContainsKey("settings") && fields.ContainsKey("variables"))
        {
            errors.Add(new("variables", "is the older name of settings; use one of them"));
        }

        var variables = new ThemeVariables();
        var key = fields.ContainsKey("settings") ? "settings" : "variables";
        if (fields.TryGetValue(key, out var settingsElement) && settingsElement.ValueKind != JsonValueKind.Null)
        {
            if (settingsElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new(key, "must be a JSON object"));
            }
            else
            {
                var prefix = key + ".";
                var settings = ReadObject(settingsElement, prefix, [.. ThemeSettingsSchema.Fields.Select(f => f.Key)], errors);
                variables = ReadSettings(settings, prefix, errors);
            }
        }

        return new ThemeManifest(name ?? string.Empty, baseName, variables, version);
    }

    private static ThemeVariables ReadSettings(IReadOnlyDictionary<string, JsonElement> fields, string prefix, List<ThemeValidationError> errors)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in fields)
        {
            if (ThemeSettingsSchema.Find(key) is not { } field)
            {
                errors.Add(new(prefix + key, "is not a known setting (setting names are case-sensitive)"));
                continue;
            }

            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (field.Kind == ThemeSettingKind.Links)
            {
                if (ReadLinks(value, prefix + key, errors) is { } links)
                {
                    values[key] = links;
                }

                continue;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                errors.Add(new(prefix + key, "must be a string"));
                continue;
            }

            var text = value.GetString()!;
            if (text.Length == 0)
            {
                continue;
            }

            if (Check(field, text) is { } reason)
            {
                errors.Add(new(prefix + key, reason));
            }
            else
            {
                values[key] = text;
            }
        }

        return ThemeSettingsSchema.FromDictionary(values);
    }

    private static ThemeLinks? ReadLinks(JsonElement value, string field, List<ThemeValidationError> errors)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new(field, "must be a list of { \"label\": …, \"url\": … }"));
            return null;
        }

        if (value.GetArrayLength() > ThemeSettingsSchema.MaxFooterLinks)
        {
            errors.Add(new(field, $"must hold at most {ThemeSettingsSchema.MaxFooterLinks} links"));
            return null;
        }

        var links = new List<ThemeLink>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var at = $"{field}[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new(at, "must be { \"label\": …, \"url\": … }"));
                continue;
            }

            var parts = ReadObject(item, at + ".", ["label", "url"], errors);
            var label = ReadString(parts, "label", errors, at + ".");
            var url = ReadString(parts, "url", errors, at + ".");
            var before = errors.Count;
            if (string.IsNullOrWhiteSpace(label))
            {
                errors.Add(new(at + ".label", "is required"));
            }
            else if (CheckText(label, 60) is { } reason)
            {
                errors.Add(new(at + ".label", reason));
            }

            if (string.IsNullOrEmpty(url))
            {
                errors.Add(new(at + ".url", "is required"));
            }
            else if (!IsValidLinkUrl(url))
            {
                errors.Add(new(at + ".url", "must be an absolute https URL or a path on the portal starting with /"));
            }

            if (errors.Count == before)
            {
                links.Add(new ThemeLink(label!, url!));
            }
        }

        return new ThemeLinks(links);
    }

    private static string? Check(ThemeSettingField field, string text) => field.Kind switch
    {
        ThemeSettingKind.Text => CheckText(text, field.MaxLength),
        ThemeSettingKind.Color => ColorPattern().IsMatch(text) ? null : "must be a colour written #rgb or #rrggbb",
        ThemeSettingKind.Image => IsValidLogoUrl(text) ? null : "must be a path under the theme's assets (e.g. assets/logo.svg) or an absolute https URL",
        ThemeSettingKind.Link => IsValidLinkUrl(text) ? null : "must be an absolute https URL or a path on the portal starting with /",
        ThemeSettingKind.Font => ThemeSettingsSchema.Fonts.ContainsKey(text) ? null : $"must be one of {string.Join(", ", ThemeSettingsSchema.Fonts.Keys)}",
        ThemeSettingKind.Email => text.Length <= field.MaxLength && EmailPattern().IsMatch(text) ? null : "must be an e-mail address",
        ThemeSettingKind.Phone => text.Length <= field.MaxLength && PhonePattern().IsMatch(text) ? null : "must be a telephone number (digits, spaces, +, -, /, parentheses)",
        _ => "has an unknown kind",
    };

    private static Dictionary<string, JsonElement> ReadObject(JsonElement element, string prefix, string[] known, List<ThemeValidationError> errors)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name, StringComparer.Ordinal))
            {
                errors.Add(new(prefix + property.Name, "is not a known field (field names are case-sensitive)"));
            }
            else if (!fields.TryAdd(property.Name, property.Value))
            {
                errors.Add(new(prefix + property.Name, "appears more than once"));
            }
        }

        return fields;
    }

    private static string? ReadString(Dictionary<string, JsonElement> fields, string name, List<ThemeValidationError> errors, string prefix = "")
    {
        if (!fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new(prefix + name, "must be a string"));
            return null;
        }

        return value.GetString();
    }

    private static string? CheckText(string value, int maxLength) =>
        value.Length > maxLength ? $"must be at most {maxLength} characters (is {value.Length})"
        : value.Any(char.IsControl) ? "must not contain control characters"
        : null;

    internal static bool IsValidLogoUrl(string value)
    {
        if (value.StartsWith(ThemePaths.AssetsFolder + "/", StringComparison.Ordinal))
        {
            return ThemePaths.IsSafeRelativePath(value);
        }

        return IsHttpsUrl(value);
    }

    /// <summary>An https URL, or a path on the portal itself (never <c>//host</c>, which leaves it).</summary>
    internal static bool IsValidLinkUrl(string value) =>
        value.StartsWith('/') ? PortalPathPattern().IsMatch(value) : IsHttpsUrl(value);

    // Quotes, parentheses, spaces and backslashes are excluded so the URL is also safe inside CSS url().
    private static bool IsHttpsUrl(string value) =>
        HttpsUrlPattern().IsMatch(value)
            && Uri.TryCreate(value, UriKind.Absolute, out var uri)
            && uri.Scheme == Uri.UriSchemeHttps
            && !string.IsNullOrEmpty(uri.Host)
            && string.IsNullOrEmpty(uri.UserInfo);

    [GeneratedRegex("^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ColorPattern();

    [GeneratedRegex(@"^https://[A-Za-z0-9\-._~:/?#\[\]@!$&*+,;=%]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex HttpsUrlPattern();

    [GeneratedRegex(@"^/(?!/)[A-Za-z0-9\-._~/?#\[\]@!$&*+,;=%]{0,300}\z", RegexOptions.CultureInvariant)]
    private static partial Regex PortalPathPattern();

    [GeneratedRegex(@"^\d{1,4}\.\d{1,4}\.\d{1,6}(?:-[0-9A-Za-z.-]{1,40})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)+\z", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^\+?[0-9 ()/\-]{3,30}\z", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();
}
