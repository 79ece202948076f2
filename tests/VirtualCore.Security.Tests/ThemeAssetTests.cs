using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Security.Tests;

/// <summary>
/// Theme files are served as what they are and only where their theme is used. The themes root holds the Default
/// theme, Kamp's (based on Default, used by kamp.localhost) and Acme's (based on Default, used by no host) — each with
/// files a reseller could upload to attack another origin: an SVG with a script, an HTML page, a script.
/// </summary>
public sealed partial class ThemeAssetTests : IAsyncLifetime
{
    private const string ScriptSvg = """<svg xmlns="http://www.w3.org/2000/svg"><script>document.title = "ran"</script></svg>""";

    private readonly string _themes = Path.Combine(Path.GetTempPath(), "vcore-themes-" + Guid.NewGuid().ToString("N"));
    private readonly PortalFixture _portal;

    public ThemeAssetTests()
    {
        CopyFolder(Path.Combine(AppContext.BaseDirectory, "themes", "Default"), Path.Combine(_themes, "Default"));
        File.WriteAllText(Path.Combine(_themes, "Default", "assets", "drawing.svg"), ScriptSvg);
        File.WriteAllText(Path.Combine(_themes, "Default", "assets", "page.html"), "<script>alert(1)</script>");
        File.WriteAllText(Path.Combine(_themes, "Default", "assets", "page.HTM"), "<script>alert(1)</script>");
        File.WriteAllText(Path.Combine(_themes, "Default", "assets", "data.json"), "{}");
        File.WriteAllText(Path.Combine(_themes, "Default", "assets", "noextension"), "<script>alert(1)</script>");
        AddTheme("Kamp", "#aa0000", "kamp.js");
        AddTheme("Acme", "#00aa00", "acme.js");
        _portal = new PortalFixture(settings: new Dictionary<string, string> { ["Themes:Root"] = _themes });
    }

    public async Task InitializeAsync() =>
        await _portal.DbAsync(db => db.Database.ExecuteSqlRawAsync(
            "UPDATE \"Resellers\" SET \"ThemeName\" = 'Kamp' WHERE \"Id\" IN (SELECT \"ResellerId\" FROM \"ResellerHostNames\" WHERE \"HostName\" = 'kamp.localhost')"));

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        Directory.Delete(_themes, recursive: true);
    }

    [Fact]
    public async Task An_svg_is_served_as_an_image_whose_scripts_cannot_run()
    {
        using var response = await GetAsync("localhost", "/themes/Default/assets/drawing.svg");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("default-src 'none'; style-src 'unsafe-inline'; sandbox", string.Join(", ", response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("nosniff", string.Join(", ", response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Theory]
    [InlineData("/themes/Default/assets/portal.css", "text/css")]
    [InlineData("/themes/Default/assets/live.js", "text/javascript")]
    [InlineData("/themes/Default/assets/vendor/signalr.min.js", "text/javascript")]
    [InlineData("/themes/Default/assets/logo.svg", "image/svg+xml")]
    public async Task Files_of_the_listed_kinds_are_served_with_their_exact_type(string path, string type)
    {
        using var response = await GetAsync("localhost", path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/themes/Default/assets/page.html")]
    [InlineData("/themes/Default/assets/page.HTM")]
    [InlineData("/themes/Default/assets/data.json")]
    [InlineData("/themes/Default/assets/noextension")]
    [InlineData("/themes/Default/assets/vendor/README.txt")]
    public async Task Any_other_file_is_not_found(string path)
    {
        using var response = await GetAsync("localhost", path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("kamp.localhost", "/themes/Kamp/assets/kamp.js", HttpStatusCode.OK)]
    [InlineData("kamp.localhost", "/themes/Kamp/assets/portal.css", HttpStatusCode.OK)]
    [InlineData("kamp.localhost", "/themes/Default/assets/portal.css", HttpStatusCode.OK)]
    [InlineData("kamp.localhost", "/themes/Kamp/variables.css", HttpStatusCode.OK)]
    [InlineData("localhost", "/themes/Kamp/assets/kamp.js", HttpStatusCode.NotFound)]
    [InlineData("localhost", "/themes/Kamp/assets/portal.css", HttpStatusCode.NotFound)]
    [InlineData("localhost", "/themes/Kamp/variables.css", HttpStatusCode.NotFound)]
    [InlineData("acme.localhost", "/themes/Kamp/assets/kamp.js", HttpStatusCode.NotFound)]
    [InlineData("kamp.localhost", "/themes/Acme/assets/acme.js", HttpStatusCode.NotFound)]
    [InlineData("localhost", "/themes/Acme/assets/acme.js", HttpStatusCode.NotFound)]
    [InlineData("kamp.localhost", "/themes/Unknown/assets/portal.css", HttpStatusCode.NotFound)]
    public async Task A_theme_is_served_only_on_the_hosts_of_resellers_using_it_or_a_theme_built_on_it(string host, string path, HttpStatusCode status)
    {
        using var response = await GetAsync(host, path);
        Assert.Equal(status, response.StatusCode);
    }

    [Theory]
    [InlineData("localhost", "Default", "#1f6feb")]
    [InlineData("kamp.localhost", "Kamp", "#aa0000")]
    public async Task Every_file_a_page_links_is_served_on_its_host(string host, string theme, string brand)
    {
        var html = await (await GetAsync(host, "/login")).Content.ReadAsStringAsync();
        var links = ThemeLink().Matches(html).Select(m => m.Groups[1].Value).Distinct().ToArray();
        Assert.Contains($"/themes/{theme}/variables.css", links);
        Assert.Contains($"/themes/{theme}/assets/portal.css", links);
        foreach (var link in links)
        {
            using var response = await GetAsync(host, link);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{host}{link}: {(int)response.StatusCode}");
        }

        Assert.Contains($"--brand: {brand};", await (await GetAsync(host, $"/themes/{theme}/variables.css")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> GetAsync(string host, string path)
    {
        using var client = _portal.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = new Uri($"http://{host}") });
        return await client.GetAsync(path);
    }

    private void AddTheme(string name, string colour, string script)
    {
        Directory.CreateDirectory(Path.Combine(_themes, name, "assets"));
        File.WriteAllText(Path.Combine(_themes, name, "theme.json"), $$"""{ "name": "{{name}}", "base": "Default", "variables": { "primaryColor": "{{colour}}" } }""");
        File.WriteAllText(Path.Combine(_themes, name, "assets", script), "document.title = 'theme script';");
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [GeneratedRegex("(?:href|src)=\"(/themes/[^\"]+)\"")]
    private static partial Regex ThemeLink();
}
