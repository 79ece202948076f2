using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Scriban;
using Scriban.Parsing;
using VirtualCore.Framework.Localisation;

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
    private readonly ConcurrentDictionary<(string Theme, string Language), TextCatalogue> _texts = new();
    private readonly ConcurrentDictionary<(string Theme, string Language), string> _scriptTexts = new();

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
        var candidates = new Dictionary<string, (ThemeManifest Manifest, Dictionary<string, ThemeFile> Templates, Dictionary<string, ThemeFile> Assets, Dictionary<string, TextCatalogue> Locales)>(StringComparer.Ordinal);
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
            _themes[name] = new LoadedTheme(theme.Manifest, chain, variables, theme.Templates, theme.Assets, theme.Locales, IsPackage: false);
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
        var locales = package.Locales.ToDictionary(l => l.Key, l => TextCatalogue.Parse(l.Value), StringComparer.Ordinal);
        if (!_themes.TryAdd(name, new LoadedTheme(package.Manifest with { Name = name }, chain, variables, templates, assets, locales, IsPackage: true)))
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

        foreach (var key in _texts.Keys.Where(k => k.Theme == name))
        {
            _texts.TryRemove(key, out _);
        }

        foreach (var key in _scriptTexts.Keys.Where(k => k.Theme == name))
        {
            _scriptTexts.TryRemove(key, out _);
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

    /// <summary>
    /// The texts of <paramref name="language"/> for pages of <paramref name="themeName"/>: the catalogues of its chain,
    /// each theme's entries over those of the themes it builds on, so a reseller's theme can change any text.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such theme is loaded.</exception>
    public TextCatalogue GetTexts(string themeName, string language) =>
        _texts.GetOrAdd((themeName, language), key =>
        {
            var merged = TextCatalogue.Empty;
            foreach (var name in GetTheme(key.Theme).Chain.Reverse())
            {
                merged = merged.Over(GetTheme(name).Locales.GetValueOrDefault(key.Language));
            }

            return merged;
        });

    /// <summary>
    /// The texts the theme's scripts say, as a script for pages to load before them: <c>vcoreTexts</c>, the entries of
    /// <see cref="GetTexts"/> whose English text one of the chain's scripts holds as a string, and those with
    /// placeholders (a job's info as the live feed sends it is matched against them); and
    /// <c>vcoreText(text, …values)</c>, which translates as the templates' <c>t</c> does.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such theme is loaded.</exception>
    public string GetScriptTexts(string themeName, string language) =>
        _scriptTexts.GetOrAdd((themeName, language), key =>
        {
            var scripts = string.Join("\n", ScriptSources(key.Theme));
            var used = GetTexts(key.Theme, key.Language).Entries
                .Where(e => e.Key.Contains("{0}", StringComparison.Ordinal)
                    || scripts.Contains(JsString(e.Key, '"'), StringComparison.Ordinal)
                    || scripts.Contains(JsString(e.Key, '\''), StringComparison.Ordinal))
                .OrderBy(e => e.Key, StringComparer.Ordinal)
                .ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
            return "window.vcoreTexts = " + System.Text.Json.JsonSerializer.Serialize(used) + ";\n" + ScriptTextFunction;
        });

    private const string ScriptTextFunction = """
        (function () {
          var texts = window.vcoreTexts, patterns = null;
          function fill(text, values) {
            return text.replace(/\{(\d)\}/g, function (m, i) { return values[+i] === undefined ? m : String(values[+i]); });
          }
          function escape(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
          window.vcoreText = function (text) {
            var values = Array.prototype.slice.call(arguments, 1);
            text = text == null ? "" : String(text);
            if (Object.prototype.hasOwnProperty.call(texts, text)) return fill(texts[text], values);
            if (values.length === 0) {
              if (patterns === null) {
                patterns = Object.keys(texts).filter(function (k) { return /\{\d\}/.test(k); }).map(function (k) {
                  var order = [], names = {};
                  k.replace(/['‘“„"]\{(\d)\}['’”“"]/g, function (m, n) { names[+n] = true; return m; });
                  var source = k.split(/(\{\d\})/).map(function (part) {
                    var m = /^\{(\d)\}$/.exec(part);
                    if (m) { order.push(+m[1]); return "(.+?)"; }
                    return escape(part);
                  }).join("");
                  return { re: new RegExp("^" + source + "$"), order: order, names: names, to: texts[k], fixed: k.replace(/\{\d\}/g, "").length };
                }).sort(function (a, b) { return b.fixed - a.fixed; });
              }
              for (var i = 0; i < patterns.length; i++) {
                var m = patterns[i].re.exec(text);
                if (m) {
                  var found = [];
                  patterns[i].order.forEach(function (n, j) {
                    var v = m[j + 1];
                    found[n] = !patterns[i].names[n] && Object.prototype.hasOwnProperty.call(texts, v) ? texts[v] : v;
                  });
                  return fill(patterns[i].to, found);
                }
              }
            }
            return fill(text, values);
          };
        })();

        """;

    /// <summary>How a script writes <paramref name="text"/> as a string literal in <paramref name="quote"/>s.</summary>
    private static string JsString(string text, char quote) =>
        quote + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(quote.ToString(), "\\" + quote, StringComparison.Ordinal) + quote;

    private IEnumerable<string> ScriptSources(string themeName)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in GetTheme(themeName).Chain)
        {
            foreach (var (path, file) in GetTheme(name).Assets)
            {
                if (path.EndsWith(".js", StringComparison.Ordinal) && !path.StartsWith("vendor/", StringComparison.Ordinal) && seen.Add(path))
                {
                    yield return file.ReadText();
                }
            }
        }
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

    private static (ThemeManifest, Dictionary<string, ThemeFile>, Dictionary<string, ThemeFile>, Dictionary<string, TextCatalogue>) ReadTheme(DirectoryInfo folder)
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
            IndexFiles(folder, ThemePaths.AssetsFolder, ThemePaths.IsSafeRelativePath),
            ReadLocales(folder));
    }

    private static Dictionary<string, TextCatalogue> ReadLocales(DirectoryInfo folder)
    {
        var locales = new Dictionary<string, TextCatalogue>(StringComparer.Ordinal);
        foreach (var (path, file) in IndexFiles(folder, ThemePaths.LocalesFolder, p => ThemePaths.LanguageOfLocale(p) is not null))
        {
            try
            {
                locales[ThemePaths.LanguageOfLocale(path)!] = TextCatalogue.Parse(file.ReadText());
            }
            catch (TextCatalogueException ex)
            {
                throw new ThemeValidationException([.. ex.Problems.Select(p => new ThemeValidationError($"{ThemePaths.LocalesFolder}/{path}", p.ToString()))]);
            }
        }

        return locales;
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
        Dictionary<string, TextCatalogue> Locales,
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
