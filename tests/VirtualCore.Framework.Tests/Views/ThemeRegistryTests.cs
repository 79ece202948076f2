using VirtualCore.Framework.Views;

namespace VirtualCore.Framework.Tests.Views;

public sealed class ThemeRegistryTests
{
    [Fact]
    public void A_theme_overrides_a_template_by_relative_path_and_falls_back_to_its_base_then_Default()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTemplate("Default", "Compute/VmList.sbn-html", "default list")
            .AddTemplate("Default", "Compute/VmDetail.sbn-html", "default detail")
            .AddTemplate("Default", "Billing/Invoices.sbn-html", "default invoices")
            .AddTheme("Wholesale", baseTheme: "Default")
            .AddTemplate("Wholesale", "Compute/VmDetail.sbn-html", "wholesale detail")
            .AddTemplate("Wholesale", "Billing/Invoices.sbn-html", "wholesale invoices")
            .AddTheme("Acme", baseTheme: "Wholesale")
            .AddTemplate("Acme", "Compute/VmList.sbn-html", "acme list");
        var registry = themes.CreateRegistry();

        Assert.Equal(["Acme", "Wholesale", "Default"], registry.GetThemeChain("Acme"));
        Assert.Equal("acme list", TemplateText(registry, "Acme", "Compute/VmList.sbn-html"));
        Assert.Equal("wholesale detail", TemplateText(registry, "Acme", "Compute/VmDetail.sbn-html"));
        Assert.Equal("default list", TemplateText(registry, "Wholesale", "Compute/VmList.sbn-html"));
        Assert.Equal("default detail", TemplateText(registry, "Default", "Compute/VmDetail.sbn-html"));
        Assert.False(registry.TryGetTemplateText("Acme", "Compute/Missing.sbn-html", out _));
    }

    [Theory]
    [InlineData("../Other/templates/Secret.sbn-html")]
    [InlineData("Compute/../../Other/templates/Secret.sbn-html")]
    [InlineData("..\\Other\\templates\\Secret.sbn-html")]
    [InlineData("Compute\\Secret.sbn-html")]
    [InlineData("/Other/templates/Secret.sbn-html")]
    [InlineData("C:/Other/templates/Secret.sbn-html")]
    [InlineData("./Secret.sbn-html")]
    [InlineData("Compute//Secret.sbn-html")]
    [InlineData("Secret.html")]
    [InlineData("../theme.json")]
    [InlineData(".sbn-html")]
    [InlineData("")]
    public void Template_paths_that_could_leave_the_theme_are_refused(string path)
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTheme("Other")
            .AddTemplate("Other", "Secret.sbn-html", "other tenant")
            .AddTemplate("Default", "Secret.sbn-html", "default");
        var registry = themes.CreateRegistry();

        Assert.Throws<ArgumentException>(() => registry.TryGetTemplateText("Default", path, out _));
    }

    [Fact]
    public void A_template_reached_through_a_symbolic_link_is_not_served()
    {
        using var themes = ThemeFolders.WithDefault();
        var outside = Path.Combine(themes.Root, "outside.sbn-html");
        File.WriteAllText(outside, "host file");
        File.CreateSymbolicLink(Path.Combine(themes.Root, "Default", "templates", "Linked.sbn-html"), outside);

        var registry = themes.CreateRegistry();

        Assert.False(registry.TryGetTemplateText("Default", "Linked.sbn-html", out _));
    }

    [Fact]
    public void A_base_theme_cycle_ends_in_Default_instead_of_looping()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTemplate("Default", "Home.sbn-html", "default home")
            .AddTheme("Red", baseTheme: "Blue")
            .AddTemplate("Red", "Red.sbn-html", "red")
            .AddTheme("Blue", baseTheme: "Red")
            .AddTemplate("Blue", "Blue.sbn-html", "blue");
        var registry = themes.CreateRegistry();

        Assert.Equal(["Red", "Blue", "Default"], registry.GetThemeChain("Red"));
        Assert.Equal(["Blue", "Red", "Default"], registry.GetThemeChain("Blue"));
        Assert.Equal("blue", TemplateText(registry, "Red", "Blue.sbn-html"));
        Assert.Equal("default home", TemplateText(registry, "Blue", "Home.sbn-html"));
    }

    [Fact]
    public void Assets_resolve_through_the_chain_and_unsafe_asset_paths_are_refused()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddAsset("Default", "css/site.css", "body{}")
            .AddAsset("Default", "logo.svg", "<svg/>")
            .AddTheme("Acme")
            .AddAsset("Acme", "logo.svg", "<svg id='acme'/>");
        var registry = themes.CreateRegistry();

        Assert.True(registry.TryGetAssetPath("Acme", "logo.svg", out var logo));
        Assert.Equal(Path.Combine(themes.Root, "Acme", "assets", "logo.svg"), logo);
        Assert.True(registry.TryGetAssetPath("Acme", "css/site.css", out var css));
        Assert.Equal(Path.Combine(themes.Root, "Default", "assets", "css", "site.css"), css);

        Assert.False(registry.TryGetAssetPath("Acme", "../theme.json", out _));
        Assert.False(registry.TryGetAssetPath("Acme", "..\\theme.json", out _));
        Assert.False(registry.TryGetAssetPath("Acme", "/etc/passwd", out _));
        Assert.False(registry.TryGetAssetPath("Acme", "css/../../theme.json", out _));
        Assert.False(registry.TryGetAssetPath("Nobody", "logo.svg", out _));
    }

    [Fact]
    public void Invalid_themes_are_listed_with_their_reasons_and_cannot_be_used()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTheme("Bad", variables: """{ "primaryColor": "red; background:url(x)" }""")
            .AddTheme("OnBad", baseTheme: "Bad")
            .AddManifest("Renamed", """{ "name": "Other" }""")
            .AddTheme("Good");
        Directory.CreateDirectory(Path.Combine(themes.Root, "NoManifest"));

        var registry = themes.CreateRegistry();

        Assert.Equal(["Default", "Good"], registry.ThemeNames.Order(StringComparer.Ordinal));
        Assert.Equal("variables.primaryColor", Assert.Single(registry.InvalidThemes["Bad"].Errors).Field);
        Assert.Equal("base", Assert.Single(registry.InvalidThemes["OnBad"].Errors).Field);
        Assert.Equal("name", Assert.Single(registry.InvalidThemes["Renamed"].Errors).Field);
        Assert.Equal("theme.json", Assert.Single(registry.InvalidThemes["NoManifest"].Errors).Field);
        Assert.False(registry.TryGetManifest("Bad", out _));
    }

    [Fact]
    public void A_themes_root_without_Default_is_refused()
    {
        using var themes = new ThemeFolders().AddTheme("Acme");

        var error = Assert.Throws<InvalidOperationException>(() => themes.CreateRegistry());

        Assert.Contains("'Default'", error.Message);
    }

    [Fact]
    public void Variables_are_inherited_along_the_chain_and_a_relative_logo_becomes_the_asset_url()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTheme("Wholesale", baseTheme: "Default", variables: """{ "logoUrl": "assets/logo.svg", "accentColor": "#abc" }""")
            .AddTheme("Acme", baseTheme: "Wholesale", variables: """{ "brandName": "Acme Cloud" }""");
        var registry = themes.CreateRegistry();

        Assert.Equal(
            new ThemeVariables("Acme Cloud", "/themes/Acme/assets/logo.svg", "#112233", "#abc", null),
            registry.GetVariables("Acme"));
        Assert.Equal("/themes/Wholesale/assets/logo.svg", registry.GetVariables("Wholesale").LogoUrl);
    }

    [Fact]
    public void A_template_file_is_parsed_once()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTemplate("Default", "Home.sbn-html", "home")
            .AddTheme("Acme");
        var registry = themes.CreateRegistry();

        Assert.True(registry.TryGetTemplate("Acme", "Home.sbn-html", out var first));
        Assert.True(registry.TryGetTemplate("Default", "Home.sbn-html", out var second));

        Assert.Same(first, second);
    }

    private static string TemplateText(ThemeRegistry registry, string theme, string path)
    {
        Assert.True(registry.TryGetTemplateText(theme, path, out var text), $"{path} not found for {theme}");
        return text;
    }
}
