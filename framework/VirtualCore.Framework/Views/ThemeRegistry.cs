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
    /// <summary>The installed theme every other builds on.</summary>
    public const string DefaultTheme = ThemePaths.DefaultThemeName;

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

    private readonly ConcurrentDictionary<string, LoadedTheme> _themes;
    private readonly string _assetsUrlPrefix;
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
        var candidates = new Dictionary<string, (ThemeManifest Manifest, Dictionary<string, ThemeFile> Templates, Dictionary<string, ThemeFile> Assets)>(StringComparer.Ordinal);
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
        _assetsUrlPrefix = settings.AssetsUrlPrefix.TrimEnd('/');
        _themes = new ConcurrentDictionary<string, LoadedTheme>(StringComparer.Ordinal);
        foreach (var (name, theme) in candidates)
        {
            var chain = BuildChain(name, bases);
            var variables = ResolveUrls(name, ThemeSettingsSchema.Merge(chain.Select(n => candidates[n].Manifest.Variables)));
            _themes[name] = new LoadedTheme(theme.Manifest, chain, variables, theme.Templates, theme.Assets, IsPackage: false);
        }

        InvalidThemes = invalid;
    }

    /// <summary>Names of the themes that loaded and can be rendered.</summary>
    public IReadOnlyCollection<string> ThemeNames => [.. _themes.Keys];

    /// <summary>
    /// Adds a theme held in memory (an uploaded or edited theme version) under <paramref name="name"/>, built on the
    /// loaded theme its manifest names as base. Its files are the package's only: nothing of it is on disk.
    /// </summary>
    /// <exception cref="ThemeValidationException">The base theme is not loaded or is itself such a theme.</exception>
    public void AddPackage(string name, ThemePackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        if (!ThemePaths.IsValidThemeName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid theme name.", nameof(name));
        }

        var baseName = package.Manifest.Base ?? ThemePaths.DefaultThemeName;
        if (!_themes.TryGetValue(baseName, out var baseTheme) || baseTheme.IsPackage)
        {
            throw new ThemeValidationException([new ThemeValidationError("base", $"theme '{baseName}' is not an installed theme")]);
        }

        List<string> chain = [name, .. baseTheme.Chain];
        var variables = ResolveUrls(name, ThemeSettingsSchema.Merge(chain.Skip(1).Select(n => _themes[n].Manifest.Variables).Prepend(package.Manifest.Variables)));
        var templates = package.Templates.ToDictionary(t => t.Key, t => ThemeFile.InMemory(t.Value), StringComparer.Ordinal);
        var assets = package.Assets.ToDictionary(a => a.Key, a => ThemeFile.InMemory(a.Value), StringComparer.Ordinal);
        if (!_themes.TryAdd(name, new LoadedTheme(package.Manifest with { Name = name }, chain, variables, templates, assets, IsPackage: true)))
        {
            throw new InvalidOperationException($"A theme named '{name}' is already loaded.");
        }
    }

    /// <summary>Removes a theme added by <see cref="AddPackage"/>; installed theme folders stay.</summary>
    public bool RemovePackage(string name)
    {
        if (!_themes.TryGetValue(name, out var theme) || !theme.IsPackage || !_themes.TryRemove(name, out _))
        {
            return false;
        }

        foreach (var key in _parsed.Keys.Where(k => k.StartsWith(name + "/", StringComparison.Ordinal)))
        {
            _parsed.TryRemove(key, out _);
        }

        return true;
    }

    /// <summary>The template paths a theme itself holds (not those of its base themes).</summary>
    public IReadOnlyCollection<string> TemplatePaths(string themeName) => GetTheme(themeName).Templates.Keys;

    /// <summary>Whether a theme of that name is loaded and can be rendered.</summary>
    public bool IsLoaded(string themeName) => _themes.ContainsKey(themeName);

    /// <summary>Whether the theme is an installed folder (not a theme added in memory), so others may build on it.</summary>
    public bool IsInstalled(string themeName) => _themes.TryGetValue(themeName, out var theme) && !theme.IsPackage;

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
        fullPath = TryGetAsset(themeName, relativePath, out var file) ? file.Path : null;
        return fullPath is not null;
    }

    /// <summary>
    /// The file behind <c>/themes/{themeName}/assets/{relativePath}</c>, found through the theme chain: on disk or,
    /// for a theme added in memory, its bytes. Returns false for unknown themes, missing files and unsafe paths.
    /// </summary>
    public bool TryGetAsset(string themeName, string relativePath, [NotNullWhen(true)] out ThemeFile? file)
    {
        file = null;
        if (!ThemePaths.IsSafeRelativePath(relativePath) || !_themes.TryGetValue(themeName, out var theme))
        {
            return false;
        }

        foreach (var name in theme.Chain)
        {
            if (_themes.TryGetValue(name, out var link) && link.Assets.TryGetValue(relativePath, out file))
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
            if (GetTheme(name).Templates.TryGetValue(templatePath, out var file))
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

    private static ParsedTemplate Parse(string key, ThemeFile file)
    {
        var text = file.ReadText();
        return new ParsedTemplate(key, text, Template.Parse(text, key, ParserOptions));
    }

    private ThemeVariables ResolveUrls(string name, ThemeVariables variables)
    {
        // The host serves assets through the same chain, so the requesting theme's URL always works.
        string? Resolve(string? url) =>
            url is not null && url.StartsWith(ThemePaths.AssetsFolder + "/", StringComparison.Ordinal) ? $"{_assetsUrlPrefix}/{name}/{url}" : url;
        return variables with { LogoUrl = Resolve(variables.LogoUrl), FaviconUrl = Resolve(variables.FaviconUrl) };
    }

    private static (ThemeManifest, Dictionary<string, ThemeFile>, Dictionary<string, ThemeFile>) ReadTheme(DirectoryInfo folder)
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

    private static Dictionary<string, ThemeFile> IndexFiles(DirectoryInfo theme, string subfolder, Func<string, bool> accept)
    {
        var files = new Dictionary<string, ThemeFile>(StringComparer.Ordinal);
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
                files.Add(relative, ThemeFile.OnDisk(file.FullName));
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

    private sealed record LoadedTheme(
        ThemeManifest Manifest,
        IReadOnlyList<string> Chain,
        ThemeVariables Variables,
        Dictionary<string, ThemeFile> Templates,
        Dictionary<string, ThemeFile> Assets,
        bool IsPackage);
}

/// <summary>A theme's file: a path on disk (installed themes) or bytes in memory (uploaded theme versions).</summary>
public sealed class ThemeFile
{
    private readonly byte[]? _content;

    private ThemeFile(string? path, byte[]? content)
    {
        Path = path;
        _content = content;
    }

    /// <summary>The file on disk, or null for a file held in memory.</summary>
    public string? Path { get; }

    /// <summary>The bytes of a file held in memory, or null for a file on disk.</summary>
    public ReadOnlyMemory<byte>? Content => _content;

    public static ThemeFile OnDisk(string path) => new(path, null);

    public static ThemeFile InMemory(byte[] content) => new(null, content);

    public static ThemeFile InMemory(string text) => new(null, System.Text.Encoding.UTF8.GetBytes(text));

    public string ReadText() => _content is null ? File.ReadAllText(Path!) : System.Text.Encoding.UTF8.GetString(_content);
}

/// <summary>A template file parsed once and shared by every render; <see cref="Key"/> is owner theme and path.</summary>
internal sealed record ParsedTemplate(string Key, string Text, Template Template);
