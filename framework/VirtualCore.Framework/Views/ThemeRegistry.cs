using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Scriban;
using Scriban.Parsing;

namespace VirtualCore.Framework.Views;

/// <summary>
/// The themes found under <see cref="ViewEngineOptions.ThemesRoot"/>. A template or asset path is looked
/// up in the requested theme, then its base themes, then <c>Default</c>: a theme overrides a file by
/// placing one at the same relative path. Only files indexed at start-up are ever opened, so no path a
/// template or a URL names can reach outside a theme folder.
/// </summary>
public sealed class ThemeRegistry
{
    private const long MaxManifestBytes = 64 * 1024;

    private static readonly EnumerationOptions FileEnumeration = new()
    {
        RecurseSubdirectories = true,
        IgnoreInaccessible = true,
        // Symbolic links could point anywhere on the host.
        AttributesToSkip = FileAttributes.ReparsePoint | FileAttributes.Hidden | FileAttributes.System,
    };

    private static readonly EnumerationOptions ThemeEnumeration = new()
    {
        IgnoreInaccessible = true,
        AttributesToSkip = FileAttributes.ReparsePoint | FileAttributes.Hidden | FileAttributes.System,
    };

    private readonly Dictionary<string, LoadedTheme> _themes;
    private readonly ConcurrentDictionary<string, Lazy<ParsedTemplate>> _parsed = new(StringComparer.Ordinal);

    public ThemeRegistry(IOptions<ViewEngineOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(settings.ThemesRoot))
        {
            throw new InvalidOperationException($"{nameof(ViewEngineOptions)}.{nameof(ViewEngineOptions.ThemesRoot)} is not set.");
        }

        var root = new DirectoryInfo(Path.GetFullPath(settings.ThemesRoot));
        if (!root.Exists)
        {
            throw new DirectoryNotFoundException($"The themes folder '{root.FullName}' does not exist.");
        }

        var invalid = new Dictionary<string, ThemeValidationException>(StringComparer.Ordinal);
        var candidates = new Dictionary<string, (ThemeManifest Manifest, Dictionary<string, string> Templates, Dictionary<string, string> Assets)>(StringComparer.Ordinal);
        foreach (var folder in root.EnumerateDirectories("*", ThemeEnumeration))
        {
            try
            {
                candidates.Add(folder.Name, ReadTheme(folder));
            }
            catch (ThemeValidationException ex)
            {
                invalid.Add(folder.Name, ex);
            }
        }

        // A theme whose base is missing or invalid is itself unusable; repeat until no more drop out.
        bool removed;
        do
        {
            removed = false;
            foreach (var (name, theme) in candidates.ToList())
            {
                if (theme.Manifest.Base is { } baseName && !candidates.ContainsKey(baseName))
                {
                    candidates.Remove(name);
                    invalid.Add(name, new ThemeValidationException([new ThemeValidationError("base", $"theme '{baseName}' is not available")]));
                    removed = true;
                }
            }
        }
        while (removed);

        if (!candidates.ContainsKey(ThemePaths.DefaultThemeName))
        {
            var reason = invalid.TryGetValue(ThemePaths.DefaultThemeName, out var error) ? error.Message : "it is missing";
            throw new InvalidOperationException($"The themes folder '{root.FullName}' has no usable '{ThemePaths.DefaultThemeName}' theme: {reason}");
        }

        var bases = candidates.ToDictionary(c => c.Key, c => c.Value.Manifest.Base, StringComparer.Ordinal);
        _themes = new Dictionary<string, LoadedTheme>(StringComparer.Ordinal);
        foreach (var (name, theme) in candidates)
        {
            var chain = BuildChain(name, bases);
            var variables = MergeVariables(chain.Select(n => candidates[n].Manifest.Variables));
            if (variables.LogoUrl is { } logo && logo.StartsWith(ThemePaths.AssetsFolder + "/", StringComparison.Ordinal))
            {
                // The host serves assets through the same chain, so the requesting theme's URL always works.
                variables = variables with { LogoUrl = $"{settings.AssetsUrlPrefix.TrimEnd('/')}/{name}/{logo}" };
            }

            _themes.Add(name, new LoadedTheme(theme.Manifest, chain, variables, theme.Templates, theme.Assets));
        }

        InvalidThemes = invalid;
    }

    /// <summary>Names of the themes that loaded and can be rendered.</summary>
    public IReadOnlyCollection<string> ThemeNames => _themes.Keys;

    /// <summary>Theme folders that were rejected, with the reasons; they cannot be rendered.</summary>
    public IReadOnlyDictionary<string, ThemeValidationException> InvalidThemes { get; }

    public bool TryGetManifest(string themeName, [NotNullWhen(true)] out ThemeManifest? manifest)
    {
        manifest = _themes.TryGetValue(themeName, out var theme) ? theme.Manifest : null;
        return manifest is not null;
    }

    /// <summary>The lookup order for <paramref name="themeName"/>: itself, its base themes, then <c>Default</c>.</summary>
    /// <exception cref="KeyNotFoundException">No such theme is loaded.</exception>
    public IReadOnlyList<string> GetThemeChain(string themeName) => GetTheme(themeName).Chain;

    /// <summary>
    /// The variables a template sees as <c>theme</c>: each one taken from the first theme in the chain that
    /// sets it, with a relative logo turned into the URL the host serves it under.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such theme is loaded.</exception>
    public ThemeVariables GetVariables(string themeName) => GetTheme(themeName).Variables;

    /// <summary>The text of a template (e.g. <c>Compute/VmList.sbn-html</c>) found through the theme chain.</summary>
    /// <exception cref="ArgumentException">The path is not a relative <c>.sbn-html</c> path inside a theme.</exception>
    /// <exception cref="KeyNotFoundException">No such theme is loaded.</exception>
    public bool TryGetTemplateText(string themeName, string templatePath, [NotNullWhen(true)] out string? text)
    {
        text = TryGetTemplate(themeName, templatePath, out var template) ? template.Text : null;
        return text is not null;
    }

    /// <summary>
    /// The file behind <c>/themes/{themeName}/assets/{relativePath}</c>, found through the theme chain.
    /// Returns false for unknown themes, missing files and any path that is not a plain relative path.
    /// </summary>
    public bool TryGetAssetPath(string themeName, string relativePath, [NotNullWhen(true)] out string? fullPath)
    {
        fullPath = null;
        if (!ThemePaths.IsSafeRelativePath(relativePath) || !_themes.TryGetValue(themeName, out var theme))
        {
            return false;
        }

        foreach (var name in theme.Chain)
        {
            if (_themes[name].Assets.TryGetValue(relativePath, out fullPath))
            {
                return true;
            }
        }

        return false;
    }

    internal static ParserOptions ParserOptions { get; } = new() { ExpressionDepthLimit = 100 };

    internal bool TryGetTemplate(string themeName, string templatePath, [NotNullWhen(true)] out ParsedTemplate? template)
    {
        if (!ThemePaths.IsSafeTemplatePath(templatePath))
        {
            throw new ArgumentException(
                $"Template path '{templatePath}' must be a relative path with forward slashes, without '.' or '..' segments, ending in '{ThemePaths.TemplateExtension}'.",
                nameof(templatePath));
        }

        foreach (var name in GetTheme(themeName).Chain)
        {
            if (_themes[name].Templates.TryGetValue(templatePath, out var file))
            {
                var key = $"{name}/{templatePath}";
                template = _parsed.GetOrAdd(key, k => new Lazy<ParsedTemplate>(() => Parse(k, file))).Value;
                return true;
            }
        }

        template = null;
        return false;
    }

    private LoadedTheme GetTheme(string themeName) =>
        _themes.TryGetValue(themeName, out var theme)
            ? theme
            : throw new KeyNotFoundException($"Theme '{themeName}' is not loaded.");

    private static ParsedTemplate Parse(string key, string file)
    {
        var text = File.ReadAllText(file);
        return new ParsedTemplate(key, text, Template.Parse(text, key, ParserOptions));
    }

    private static (ThemeManifest, Dictionary<string, string>, Dictionary<string, string>) ReadTheme(DirectoryInfo folder)
    {
        var manifestFile = new FileInfo(Path.Combine(folder.FullName, ThemePaths.ManifestFileName));
        if (!manifestFile.Exists || manifestFile.Attributes.HasFlag(FileAttributes.ReparsePoint))
        {
            throw new ThemeValidationException([new ThemeValidationError(ThemePaths.ManifestFileName, "is missing")]);
        }

        if (manifestFile.Length > MaxManifestBytes)
        {
            throw new ThemeValidationException([new ThemeValidationError(ThemePaths.ManifestFileName, $"is larger than {MaxManifestBytes / 1024} KiB")]);
        }

        var manifest = ThemeManifest.Parse(File.ReadAllText(manifestFile.FullName));
        if (manifest.Name != folder.Name)
        {
            throw new ThemeValidationException([new ThemeValidationError("name", $"must equal the folder name '{folder.Name}'")]);
        }

        return (manifest,
            IndexFiles(folder, ThemePaths.TemplatesFolder, ThemePaths.IsSafeTemplatePath),
            IndexFiles(folder, ThemePaths.AssetsFolder, ThemePaths.IsSafeRelativePath));
    }

    private static Dictionary<string, string> IndexFiles(DirectoryInfo theme, string subfolder, Func<string, bool> accept)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var folder = new DirectoryInfo(Path.Combine(theme.FullName, subfolder));
        if (!folder.Exists || folder.Attributes.HasFlag(FileAttributes.ReparsePoint))
        {
            return files;
        }

        foreach (var file in folder.EnumerateFiles("*", FileEnumeration))
        {
            var relative = Path.GetRelativePath(folder.FullName, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (accept(relative))
            {
                files.Add(relative, file.FullName);
            }
        }

        return files;
    }

    private static List<string> BuildChain(string themeName, Dictionary<string, string?> bases)
    {
        var chain = new List<string>();
        for (string? name = themeName; name is not null && !chain.Contains(name); name = bases[name])
        {
            chain.Add(name);
        }

        if (!chain.Contains(ThemePaths.DefaultThemeName))
        {
            chain.Add(ThemePaths.DefaultThemeName);
        }

        return chain;
    }

    private static ThemeVariables MergeVariables(IEnumerable<ThemeVariables> nearestFirst) =>
        nearestFirst.Aggregate(new ThemeVariables(), (merged, next) => new ThemeVariables(
            merged.BrandName ?? next.BrandName,
            merged.LogoUrl ?? next.LogoUrl,
            merged.PrimaryColor ?? next.PrimaryColor,
            merged.AccentColor ?? next.AccentColor,
            merged.FooterText ?? next.FooterText));

    private sealed record LoadedTheme(
        ThemeManifest Manifest,
        IReadOnlyList<string> Chain,
        ThemeVariables Variables,
        Dictionary<string, string> Templates,
        Dictionary<string, string> Assets);
}

/// <summary>A template file parsed once and shared by every render; <see cref="Key"/> is owner theme and path.</summary>
internal sealed record ParsedTemplate(string Key, string Text, Template Template);
