using System.Text.Json;
using System.Text.RegularExpressions;

namespace VirtualCore.Framework.Views;

/// <summary>Variables a theme sets for its templates; null means "inherit from the base theme".</summary>
public sealed record ThemeVariables(
    string? BrandName = null,
    string? LogoUrl = null,
    string? PrimaryColor = null,
    string? AccentColor = null,
    string? FooterText = null);

/// <summary>
/// A theme's <c>theme.json</c>. Values that end up in CSS or URLs are validated here, so a template can
/// place them in a style attribute or an <c>src</c> without further checks.
/// </summary>
public sealed partial record ThemeManifest(string Name, string? Base, ThemeVariables Variables)
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

    private static ThemeManifest Read(JsonElement root, List<ThemeValidationError> errors)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(ThemePaths.ManifestFileName, "must be a JSON object"));
            return new ThemeManifest(string.Empty, null, new ThemeVariables());
        }

        var fields = ReadObject(root, string.Empty, ["name", "base", "variables"], errors);

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

        var baseName = ReadString(fields, "base", errors);
        if (baseName is not null && !ThemePaths.IsValidThemeName(baseName))
        {
            errors.Add(new("base", "must be the name of another theme"));
        }
        else if (baseName is not null && baseName == name)
        {
            errors.Add(new("base", "must not name the theme itself"));
        }

        var variables = new ThemeVariables();
        if (fields.TryGetValue("variables", out var variablesElement) && variablesElement.ValueKind != JsonValueKind.Null)
        {
            if (variablesElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new("variables", "must be a JSON object"));
            }
            else
            {
                variables = ReadVariables(variablesElement, errors);
            }
        }

        return new ThemeManifest(name ?? string.Empty, baseName, variables);
    }

    private static ThemeVariables ReadVariables(JsonElement element, List<ThemeValidationError> errors)
    {
        const string prefix = "variables.";
        var fields = ReadObject(element, prefix, ["brandName", "logoUrl", "primaryColor", "accentColor", "footerText"], errors);

        var brandName = ReadString(fields, "brandName", errors, prefix);
        CheckText(brandName, prefix + "brandName", MaxBrandNameLength, errors);

        var footerText = ReadString(fields, "footerText", errors, prefix);
        CheckText(footerText, prefix + "footerText", MaxFooterTextLength, errors);

        var logoUrl = ReadString(fields, "logoUrl", errors, prefix);
        if (logoUrl is not null && !IsValidLogoUrl(logoUrl))
        {
            errors.Add(new(prefix + "logoUrl", "must be a path under the theme's assets (e.g. assets/logo.svg) or an absolute https URL"));
        }

        var primaryColor = ReadString(fields, "primaryColor", errors, prefix);
        CheckColor(primaryColor, prefix + "primaryColor", errors);

        var accentColor = ReadString(fields, "accentColor", errors, prefix);
        CheckColor(accentColor, prefix + "accentColor", errors);

        return new ThemeVariables(brandName, logoUrl, primaryColor, accentColor, footerText);
    }

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

    private static void CheckText(string? value, string field, int maxLength, List<ThemeValidationError> errors)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length > maxLength)
        {
            errors.Add(new(field, $"must be at most {maxLength} characters (is {value.Length})"));
        }

        if (value.Any(char.IsControl))
        {
            errors.Add(new(field, "must not contain control characters"));
        }
    }

    private static void CheckColor(string? value, string field, List<ThemeValidationError> errors)
    {
        if (value is not null && !ColorPattern().IsMatch(value))
        {
            errors.Add(new(field, "must be a colour written #rgb or #rrggbb"));
        }
    }

    internal static bool IsValidLogoUrl(string value)
    {
        if (value.StartsWith(ThemePaths.AssetsFolder + "/", StringComparison.Ordinal))
        {
            return ThemePaths.IsSafeRelativePath(value);
        }

        // Quotes, parentheses, spaces and backslashes are excluded so the URL is also safe inside CSS url().
        return HttpsUrlPattern().IsMatch(value)
            && Uri.TryCreate(value, UriKind.Absolute, out var uri)
            && uri.Scheme == Uri.UriSchemeHttps
            && !string.IsNullOrEmpty(uri.Host)
            && string.IsNullOrEmpty(uri.UserInfo);
    }

    [GeneratedRegex("^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ColorPattern();

    [GeneratedRegex(@"^https://[A-Za-z0-9\-._~:/?#\[\]@!$&*+,;=%]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex HttpsUrlPattern();
}
