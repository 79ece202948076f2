using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Scriban;

namespace VirtualCore.Framework.Views;

/// <summary>One reason a theme package was refused: the file, the line when there is one, and why.</summary>
public sealed record ThemeProblem(string File, int? Line, string Reason)
{
    public override string ToString() => Line is { } line ? $"{File}:{line}: {Reason}" : $"{File}: {Reason}";
}

/// <summary>A theme package was refused; <see cref="Problems"/> names every file, line and reason found.</summary>
public sealed class ThemePackageException(IReadOnlyList<ThemeProblem> problems)
    : Exception("The theme was refused: " + string.Join("; ", problems.Take(10)) + (problems.Count > 10 ? $" (and {problems.Count - 10} more)" : string.Empty))
{
    public IReadOnlyList<ThemeProblem> Problems { get; } = problems;
}

/// <summary>The limits a theme package must keep.</summary>
public sealed class ThemePackageLimits
{
    /// <summary>The zip file itself.</summary>
    public long MaxPackageBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>All files unpacked, counted as they are read (a zip's own size fields are not trusted).</summary>
    public long MaxUnpackedBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>One file unpacked.</summary>
    public long MaxFileBytes { get; set; } = 2 * 1024 * 1024;

    public int MaxFiles { get; set; } = 300;
}

/// <summary>
/// Reads a theme zip as a reseller uploads it, refusing it unless every file is what a theme may hold: theme.json with
/// valid settings, templates that parse and only read what their page provides (<see cref="ThemeLinter"/>), assets of
/// safe types whose content is of that type, no path outside the theme, no links, within the size and count limits.
/// Every problem found is reported at once, with file, line and reason.
/// </summary>
public sealed partial class ThemePackageReader(ThemeRegistry registry, ThemeLinter linter)
{
    /// <summary>Asset types a theme may ship. No script: a reseller's script would run with its customers' sessions.</summary>
    public static IReadOnlySet<string> AssetExtensions { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        ".css", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".svg", ".woff", ".woff2",
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads and checks a theme zip.</summary>
    /// <exception cref="ThemePackageException">Names every problem found.</exception>
    public ThemePackage Read(byte[] zip, ThemePackageLimits limits)
    {
        ArgumentNullException.ThrowIfNull(zip);
        ArgumentNullException.ThrowIfNull(limits);
        if (zip.LongLength > limits.MaxPackageBytes)
        {
            throw Refused("(package)", $"is larger than {limits.MaxPackageBytes / 1024 / 1024} MiB");
        }

        var files = Unpack(zip, limits);
        return Check(files);
    }

    /// <summary>Packs a theme as the zip <see cref="Read"/> accepts.</summary>
    public static byte[] Write(ThemePackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string path, byte[] content)
            {
                var entry = archive.CreateEntry(path, CompressionLevel.Optimal);
                entry.LastWriteTime = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
                using var stream = entry.Open();
                stream.Write(content);
            }

            Add(ThemePaths.ManifestFileName, Encoding.UTF8.GetBytes(package.Manifest.ToJson()));
            foreach (var (path, text) in package.Templates.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                Add($"{ThemePaths.TemplatesFolder}/{path}", Encoding.UTF8.GetBytes(text));
            }

            foreach (var (path, content) in package.Assets.OrderBy(a => a.Key, StringComparer.Ordinal))
            {
                Add($"{ThemePaths.AssetsFolder}/{path}", content);
            }

            foreach (var (language, json) in package.Locales.OrderBy(l => l.Key, StringComparer.Ordinal))
            {
                Add($"{ThemePaths.LocalesFolder}/{language}.json", Encoding.UTF8.GetBytes(json));
            }
        }

        return buffer.ToArray();
    }

    private static Dictionary<string, byte[]> Unpack(byte[] zip, ThemePackageLimits limits)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read);
        }
        catch (InvalidDataException)
        {
            throw Refused("(package)", "is not a zip file");
        }

        using (archive)
        {
            var entries = archive.Entries.Where(e => !e.FullName.EndsWith('/')).ToList();
            if (entries.Count > limits.MaxFiles)
            {
                throw Refused("(package)", $"holds {entries.Count} files; a theme may hold at most {limits.MaxFiles}");
            }

            // A theme zipped as its folder has one top folder around everything: it is taken off.
            var prefix = CommonTopFolder(entries.Select(e => e.FullName).ToList());
            var problems = new List<ThemeProblem>();
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            long unpacked = 0;
            foreach (var entry in entries)
            {
                var path = entry.FullName[prefix.Length..];
                var type = (entry.ExternalAttributes >> 16) & 0xF000;
                if (type == 0xA000)
                {
                    problems.Add(new(Shown(path), null, "is a symbolic link; a theme holds files only"));
                    continue;
                }

                if (!ThemePaths.IsSafeRelativePath(path))
                {
                    problems.Add(new(Shown(path), null, "is not a plain relative path (letters, digits, '_', '-', '.' and '/', no '..', no leading '/')"));
                    continue;
                }

                if (!seen.Add(path))
                {
                    problems.Add(new(path, null, "appears more than once (names differing only in case count as the same)"));
                    continue;
                }

                var content = ReadLimited(entry, limits.MaxFileBytes, limits.MaxUnpackedBytes - unpacked);
                if (content is null)
                {
                    var limit = Math.Min(limits.MaxFileBytes, limits.MaxUnpackedBytes - unpacked);
                    throw new ThemePackageException([.. problems, new(path, null, limit == limits.MaxFileBytes
                        ? $"is larger than {limits.MaxFileBytes / 1024} KiB unpacked"
                        : $"takes the theme over {limits.MaxUnpackedBytes / 1024 / 1024} MiB unpacked")]);
                }

                unpacked += content.Length;
                files[path] = content;
            }

            return problems.Count > 0 ? throw new ThemePackageException(problems) : files;
        }
    }

    private ThemePackage Check(Dictionary<string, byte[]> files)
    {
        var problems = new List<ThemeProblem>();
        ThemeManifest? manifest = null;
        if (!files.TryGetValue(ThemePaths.ManifestFileName, out var manifestBytes))
        {
            problems.Add(new(ThemePaths.ManifestFileName, null, "is missing"));
        }
        else if (Decode(ThemePaths.ManifestFileName, manifestBytes, problems) is { } manifestText)
        {
            try
            {
                manifest = ThemeManifest.Parse(manifestText);
                var baseName = manifest.Base ?? ThemePaths.DefaultThemeName;
                if (!registry.IsInstalled(baseName))
                {
                    problems.Add(new(ThemePaths.ManifestFileName, null, $"base: theme '{baseName}' is not installed here"));
                    manifest = null;
                }
            }
            catch (ThemeValidationException ex)
            {
                problems.AddRange(ex.Errors.Select(e => new ThemeProblem(ThemePaths.ManifestFileName, null, e.ToString())));
            }
        }

        var templates = new Dictionary<string, (string Text, Template Parsed)>(StringComparer.Ordinal);
        var assets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var locales = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, content) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (path == ThemePaths.ManifestFileName || IsDocument(path))
            {
                continue;
            }

            if (path.StartsWith(ThemePaths.TemplatesFolder + "/", StringComparison.Ordinal))
            {
                var relative = path[(ThemePaths.TemplatesFolder.Length + 1)..];
                if (!ThemePaths.IsSafeTemplatePath(relative))
                {
                    problems.Add(new(path, null, $"is not a template (templates end in {ThemePaths.TemplateExtension})"));
                }
                else if (Decode(path, content, problems) is { } text && ParseTemplate(path, text, problems) is { } parsed)
                {
                    templates[relative] = (text, parsed);
                }
            }
            else if (path.StartsWith(ThemePaths.AssetsFolder + "/", StringComparison.Ordinal))
            {
                var relative = path[(ThemePaths.AssetsFolder.Length + 1)..];
                if (CheckAsset(path, content) is { } reason)
                {
                    problems.Add(new(path, null, reason));
                }
                else
                {
                    assets[relative] = content;
                }
            }
            else if (path.StartsWith(ThemePaths.LocalesFolder + "/", StringComparison.Ordinal))
            {
                var relative = path[(ThemePaths.LocalesFolder.Length + 1)..];
                if (ThemePaths.LanguageOfLocale(relative) is not { } language)
                {
                    problems.Add(new(path, null, $"is not a language's texts (locales/{{language}}.json for {string.Join(", ", Localisation.PortalLanguages.All)})"));
                }
                else if (Decode(path, content, problems) is { } json)
                {
                    try
                    {
                        Localisation.TextCatalogue.Parse(json);
                        locales[language] = json;
                    }
                    catch (Localisation.TextCatalogueException ex)
                    {
                        problems.AddRange(ex.Problems.Select(p => new ThemeProblem(path, null, p.ToString())));
                    }
                }
            }
            else
            {
                problems.Add(new(path, null, "is not part of a theme (theme.json, templates/**/*.sbn-html, assets/…, locales/{language}.json, README.md, LICENSE)"));
            }
        }

        // Without a usable theme.json the templates are checked for what parses, not against a base theme.
        if (manifest is not null)
        {
            CheckAssetReference(manifest, "logoUrl", manifest.Variables.LogoUrl, assets, problems);
            CheckAssetReference(manifest, "faviconUrl", manifest.Variables.FaviconUrl, assets, problems);
            var assigned = new HashSet<string>(StringComparer.Ordinal);
            foreach (var template in templates.Values)
            {
                assigned.UnionWith(ThemeLinter.AssignedNames(template.Parsed));
            }

            foreach (var name in registry.GetThemeChain(manifest.Base ?? ThemePaths.DefaultThemeName))
            {
                foreach (var path in registry.TemplatePaths(name))
                {
                    if (registry.TryGetTemplate(name, path, out var baseTemplate))
                    {
                        assigned.UnionWith(ThemeLinter.AssignedNames(baseTemplate.Template));
                    }
                }
            }

            foreach (var (relative, (_, parsed)) in templates)
            {
                problems.AddRange(linter.Lint(relative, parsed, assigned)
                    .Select(p => new ThemeProblem($"{ThemePaths.TemplatesFolder}/{relative}", p.Line, p.Reason)));
            }
        }

        if (problems.Count > 0 || manifest is null)
        {
            throw new ThemePackageException(problems);
        }

        return new ThemePackage(manifest, templates.ToDictionary(t => t.Key, t => t.Value.Text, StringComparer.Ordinal), assets, locales);
    }

    private void CheckAssetReference(ThemeManifest manifest, string field, string? url, Dictionary<string, byte[]> assets, List<ThemeProblem> problems)
    {
        var prefix = ThemePaths.AssetsFolder + "/";
        if (url is null || !url.StartsWith(prefix, StringComparison.Ordinal))
        {
            return;
        }

        var relative = url[prefix.Length..];
        if (!assets.ContainsKey(relative) && !registry.TryGetAsset(manifest.Base ?? ThemePaths.DefaultThemeName, relative, out _))
        {
            problems.Add(new(ThemePaths.ManifestFileName, null, $"settings.{field}: '{url}' is neither in the theme nor in its base theme"));
        }
        else if (!IsImage(relative))
        {
            problems.Add(new(ThemePaths.ManifestFileName, null, $"settings.{field}: '{url}' is not an image"));
        }
    }

    private static bool IsImage(string path) => Path.GetExtension(path).ToLowerInvariant() is ".png" or ".jpg" or ".jpeg" or ".gif" or ".webp" or ".ico" or ".svg";

    private static Template? ParseTemplate(string path, string text, List<ThemeProblem> problems)
    {
        var errors = TemplateValidator.Validate(text);
        if (errors.Count > 0)
        {
            problems.AddRange(errors.Select(e => new ThemeProblem(path, e.Line, e.Message)));
            return null;
        }

        foreach (Match match in ForeignFormTarget().Matches(text))
        {
            var line = text[..match.Index].Count(c => c == '\n') + 1;
            problems.Add(new(path, line, $"sends a form to another site ({match.Value.Trim()}); forms post to the portal only"));
        }

        return Template.Parse(text, path, ThemeRegistry.ParserOptions);
    }

    private static string? CheckAsset(string path, byte[] content)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (!AssetExtensions.Contains(extension))
        {
            return $"is not an asset type a theme may ship ({string.Join(", ", AssetExtensions)}); scripts come from the base theme only";
        }

        return extension switch
        {
            ".png" => Starts(content, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? null : "is not a PNG image",
            ".jpg" or ".jpeg" => Starts(content, [0xFF, 0xD8, 0xFF]) ? null : "is not a JPEG image",
            ".gif" => Starts(content, "GIF87a"u8) || Starts(content, "GIF89a"u8) ? null : "is not a GIF image",
            ".webp" => content.Length > 12 && Starts(content, "RIFF"u8) && content.AsSpan(8, 4).SequenceEqual("WEBP"u8) ? null : "is not a WebP image",
            ".ico" => Starts(content, [0x00, 0x00, 0x01, 0x00]) ? null : "is not an icon",
            ".woff" => Starts(content, "wOFF"u8) ? null : "is not a WOFF font",
            ".woff2" => Starts(content, "wOF2"u8) ? null : "is not a WOFF2 font",
            ".svg" => CheckSvg(content),
            ".css" => CheckCss(content),
            _ => null,
        };
    }

    private static string? CheckSvg(byte[] content) => CheckText(content, text =>
        SvgActiveContent().Match(text) is { Success: true } active
            ? $"holds active content ({active.Value.Trim()}); an SVG in a theme is a picture only — no script, event handlers, links, foreign objects or entities"
            : !text.Contains("<svg", StringComparison.OrdinalIgnoreCase) ? "is not an SVG image" : null);

    private static string? CheckCss(byte[] content) => CheckText(content, text =>
        CssForeignReference().Match(text) is { Success: true } foreign
            ? $"loads from another site or runs code ({foreign.Value.Trim()}); a theme's styles use its own files only"
            : null);

    /// <summary>A text asset's problem: not UTF-8, or what <paramref name="check"/> finds in its text.</summary>
    private static string? CheckText(byte[] content, Func<string, string?> check)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(content);
        }
        catch (DecoderFallbackException)
        {
            return "is not UTF-8 text";
        }

        return check(text);
    }

    private static bool Starts(byte[] content, ReadOnlySpan<byte> magic) => content.AsSpan().StartsWith(magic);

    private static string? Decode(string path, byte[] content, List<ThemeProblem> problems)
    {
        try
        {
            var text = StrictUtf8.GetString(content);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException)
        {
            problems.Add(new(path, null, "is not UTF-8 text"));
            return null;
        }
    }

    private static bool IsDocument(string path) => path is "README.md" or "LICENSE" or "LICENSE.txt" or "LICENSE.md" or "CHANGELOG.md";

    private static byte[]? ReadLimited(ZipArchiveEntry entry, long maxFile, long maxRemaining)
    {
        var limit = Math.Min(maxFile, maxRemaining);
        using var stream = entry.Open();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static string CommonTopFolder(List<string> names)
    {
        if (names.Count == 0 || names.Contains(ThemePaths.ManifestFileName))
        {
            return string.Empty;
        }

        var slash = names[0].IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return string.Empty;
        }

        var top = names[0][..(slash + 1)];
        return names.All(n => n.StartsWith(top, StringComparison.Ordinal)) && names.Contains(top + ThemePaths.ManifestFileName) ? top : string.Empty;
    }

    private static string Shown(string path) => path.Length > 120 ? path[..120] + "…" : path;

    private static ThemePackageException Refused(string file, string reason) => new([new ThemeProblem(file, null, reason)]);

    // action="https://…", action="//…" or a formaction: forms of a theme post to the portal only.
    [GeneratedRegex(@"\b(?:form)?action\s*=\s*[""']?\s*(?:[a-z][a-z0-9+.\-]*:|//|\\\\)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ForeignFormTarget();

    [GeneratedRegex(@"<\s*script|<\s*foreignObject|<!ENTITY|<!DOCTYPE|\son[a-z]+\s*=|(?:xlink:)?href\s*=\s*[""']?\s*(?!#)|javascript:|<\s*(?:iframe|embed|object|use|image|a|style)\b|@import|url\s*\(\s*[""']?\s*(?!#)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SvgActiveContent();

    [GeneratedRegex(@"@import|url\s*\(\s*[""']?\s*(?:[a-z][a-z0-9+.\-]*:|//|\\\\)|expression\s*\(|behavior\s*:|-moz-binding", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CssForeignReference();
}
