using System.IO.Compression;
using System.Text;
using VirtualCore.Framework.Tests.Views;
using VirtualCore.Framework.Views;

namespace VirtualCore.Framework.Tests.Localisation;

/// <summary>The templates' <c>t</c>, a theme's <c>locales</c>, and locales in uploaded theme packages.</summary>
public sealed class TranslatedTemplateTests
{
    private static Dictionary<string, object?> Globals(string lang) => new() { ["lang"] = lang };

    private static ThemeFolders Themes()
    {
        var themes = ThemeFolders.WithDefault();
        themes.AddTemplate("Default", "Page.sbn-html", """<h1>{{ t "Sign in" }}</h1><p>{{ t "Delete {0}?" model.name }}</p><p>{{ t model.name }}</p><p>{{ t "Not translated" }}</p>""");
        themes.AddFile("Default", "locales", "de.json", """{ "Sign in": "Anmelden", "Delete {0}?": "{0} löschen?", "<b>": "<script>alert(1)</script>" }""");
        return themes;
    }

    [Fact]
    public async Task Texts_are_said_in_the_page_language_with_their_values_and_fall_back_to_English()
    {
        using var themes = Themes();
        var renderer = themes.CreateRenderer();

        var german = await renderer.RenderPageAsync("Default", "Page.sbn-html", new Named("web-1"), Globals("de"), CancellationToken.None);
        var english = await renderer.RenderPageAsync("Default", "Page.sbn-html", new Named("web-1"), Globals("en"), CancellationToken.None);
        var unknown = await renderer.RenderPageAsync("Default", "Page.sbn-html", new Named("web-1"), Globals("xx"), CancellationToken.None);

        Assert.Contains("<h1>Anmelden</h1><p>web-1 löschen?</p>", german);
        Assert.Contains("<p>Not translated</p>", german);
        Assert.Contains("<h1>Sign in</h1><p>Delete web-1?</p>", english);
        Assert.Contains("<h1>Sign in</h1>", unknown);
    }

    [Fact]
    public async Task A_translation_and_the_values_it_carries_are_escaped_like_any_other_output()
    {
        using var themes = Themes();
        var renderer = themes.CreateRenderer();

        var html = await renderer.RenderPageAsync("Default", "Page.sbn-html", new Named("<b>"), Globals("de"), CancellationToken.None);

        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("<b>", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("&lt;b&gt; löschen?", html);
    }

    [Fact]
    public async Task A_theme_says_things_its_own_way_over_its_base_and_no_template_can_replace_t()
    {
        using var themes = Themes();
        themes.AddTheme("Kamp", "Default");
        themes.AddFile("Kamp", "locales", "de.json", """{ "Sign in": "Einloggen" }""");
        themes.AddTemplate("Kamp", "Shadow.sbn-html", """{{ t = "hijacked" }}{{ t "Sign in" }}""");
        var renderer = themes.CreateRenderer();

        var html = await renderer.RenderPageAsync("Kamp", "Page.sbn-html", new Named("x"), Globals("de"), CancellationToken.None);

        Assert.Contains("<h1>Einloggen</h1><p>x löschen?</p>", html);
        await Assert.ThrowsAsync<TemplateRenderException>(() =>
            renderer.RenderPageAsync("Kamp", "Shadow.sbn-html", new Named("x"), Globals("de"), CancellationToken.None));
    }

    [Fact]
    public void A_theme_folder_with_a_broken_catalogue_is_refused_with_the_file_and_reason()
    {
        using var themes = ThemeFolders.WithDefault();
        themes.AddTheme("Broken", "Default");
        themes.AddFile("Broken", "locales", "de.json", """{ "Hello": "Hallo {1}" }""");

        var registry = themes.CreateRegistry();

        Assert.False(registry.IsLoaded("Broken"));
        Assert.Contains("locales/de.json", registry.InvalidThemes["Broken"].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_scripts_get_the_texts_they_hold_and_every_pattern()
    {
        using var themes = Themes();
        themes.AddAsset("Default", "app.js", """say(vcoreText("Sign in")); say(vcoreText('Delete {0}?', name));""");
        themes.AddFile("Default", "locales", "de.json", """{ "Sign in": "Anmelden", "Delete {0}?": "{0} löschen?", "Only on pages": "Nur auf Seiten" }""");
        var registry = themes.CreateRegistry();

        var script = registry.GetScriptTexts("Default", "de");

        Assert.Contains("\"Sign in\":\"Anmelden\"", script);
        Assert.Contains("Delete {0}?", script);
        Assert.DoesNotContain("Only on pages", script);
        Assert.Contains("window.vcoreText", script);
        Assert.DoesNotContain("Anmelden", registry.GetScriptTexts("Default", "en"));
    }

    [Fact]
    public void A_package_carries_its_texts_and_refuses_a_language_the_portal_does_not_speak_or_broken_texts()
    {
        using var themes = ThemeFolders.WithDefault();
        var registry = themes.CreateRegistry();
        var reader = new ThemePackageReader(registry, new ThemeLinter(new PageModelCatalogue([])));
        var limits = new ThemePackageLimits();

        var package = reader.Read(Zip(("theme.json", """{ "name": "Own", "base": "Default" }"""), ("locales/de.json", """{ "Sign in": "Rein" }""")), limits);
        Assert.Equal("""{ "Sign in": "Rein" }""", package.Locales["de"]);
        var again = reader.Read(ThemePackageReader.Write(package), limits);
        Assert.Equal(package.Locales["de"], again.Locales["de"]);
        registry.AddPackage("vOwn", package);
        Assert.True(registry.GetTexts("vOwn", "de").TryGet("Sign in", out var own));
        Assert.Equal("Rein", own);

        var french = Assert.Throws<ThemePackageException>(() => reader.Read(Zip(("theme.json", """{ "name": "Own" }"""), ("locales/fr.json", "{}")), limits));
        Assert.Contains(french.Problems, p => p.File == "locales/fr.json" && p.Reason.Contains("language", StringComparison.Ordinal));
        var broken = Assert.Throws<ThemePackageException>(() => reader.Read(Zip(("theme.json", """{ "name": "Own" }"""), ("locales/de.json", """{ "x": 5 }""")), limits));
        Assert.Contains(broken.Problems, p => p.File == "locales/de.json" && p.Reason.Contains("must be a string", StringComparison.Ordinal));
    }

    private static byte[] Zip(params (string Name, string Text)[] files)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, text) in files)
            {
                using var stream = archive.CreateEntry(name).Open();
                stream.Write(Encoding.UTF8.GetBytes(text));
            }
        }

        return buffer.ToArray();
    }

    public sealed record Named(string Name);
}
