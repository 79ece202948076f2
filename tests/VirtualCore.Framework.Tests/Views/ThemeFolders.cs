using Microsoft.Extensions.Options;
using VirtualCore.Framework.Views;

namespace VirtualCore.Framework.Tests.Views;

/// <summary>A themes root in a fresh temporary folder, deleted after the test.</summary>
internal sealed class ThemeFolders : IDisposable
{
    public ThemeFolders()
    {
        Root = Path.Combine(Path.GetTempPath(), "vc-themes-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>A Default theme with a plain layout, as every registry needs one.</summary>
    public static ThemeFolders WithDefault()
    {
        var folders = new ThemeFolders();
        folders.AddTheme("Default", variables: """{ "brandName": "VirtualCore", "primaryColor": "#112233" }""");
        folders.AddTemplate("Default", "Layout.sbn-html", "<title>{{ page_title }}</title><main>{{ body }}</main>");
        return folders;
    }

    public ThemeFolders AddTheme(string name, string? baseTheme = null, string variables = "{}")
    {
        var baseJson = baseTheme is null ? string.Empty : $""" "base": "{baseTheme}", """;
        return AddManifest(name, $$"""{ "name": "{{name}}", {{baseJson}} "variables": {{variables}} }""");
    }

    public ThemeFolders AddManifest(string folder, string json)
    {
        Directory.CreateDirectory(Path.Combine(Root, folder));
        File.WriteAllText(Path.Combine(Root, folder, "theme.json"), json);
        return this;
    }

    public ThemeFolders AddTemplate(string theme, string path, string text) => AddFile(theme, "templates", path, text);

    public ThemeFolders AddAsset(string theme, string path, string text) => AddFile(theme, "assets", path, text);

    public ThemeRegistry CreateRegistry(Action<ViewEngineOptions>? configure = null) => new(Options(configure));

    public IViewRenderer CreateRenderer(Action<ViewEngineOptions>? configure = null)
    {
        var options = Options(configure);
        return new ScribanViewRenderer(new ThemeRegistry(options), options);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private IOptions<ViewEngineOptions> Options(Action<ViewEngineOptions>? configure)
    {
        var options = new ViewEngineOptions { ThemesRoot = Root };
        configure?.Invoke(options);
        return Microsoft.Extensions.Options.Options.Create(options);
    }

    public ThemeFolders AddFile(string theme, string subfolder, string path, string text)
    {
        var file = Path.Combine(Root, theme, subfolder, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        return this;
    }
}
