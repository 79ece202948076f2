using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Portal.Tests.Themes;

/// <summary>
/// A reseller's theme versions through the API and the pages: upload, preview on a private URL, activation on its own
/// portal only, roll back; the editor's settings as draft and versions; and every way to reach another reseller's.
/// </summary>
public sealed class ThemeVersionTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task An_uploaded_theme_is_previewed_by_its_reseller_then_used_on_its_portal_only_and_rolled_back()
    {
        using var kamp = Api("kamp.localhost", "kamp-admin", "kamp-admin-pass-1");
        var zip = ThemeZip.Minimal("""{ "brandName": "Kamp Blue", "primaryColor": "#123456", "font": "serif", "imprintUrl": "https://kamp.example/impressum" }""")
            .Add("assets/brand.css", ".topbar { border-bottom: 4px solid var(--brand); }")
            .Add("templates/Identity/Login.sbn-html", """
                {{ layout = "Layout.sbn-html" }}<main class="kamp-login"><h1>Welcome to {{ brand }}</h1>
                <form method="post" action="/login"><input type="hidden" name="{{ csrf.name }}" value="{{ csrf.value }}">
                <input name="userName" value="{{ model.user_name }}"><input name="password" type="password"><input type="hidden" name="returnUrl" value="{{ model.return_url }}">
                {{ if model.error }}<p role="alert">{{ model.error }}</p>{{ end }}<button>Sign in</button></form></main>
                """);

        var upload = await kamp.PostAsync("/api/v1/theme/uploads", zip.Content());

        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var version = (await upload.Content.ReadFromJsonAsync<ThemeVersionView>())!;
        Assert.Equal(1, version.Number);
        Assert.False(version.Active);
        Assert.Equal(("KampBlue", "1.0.0", "Default", "upload"), (version.Name, version.Label, version.BaseTheme, version.Source));

        // Not in use yet: visitors see the old look.
        using var visitor = _portal.Session("kamp.localhost");
        Assert.DoesNotContain("Welcome to", await visitor.Client.GetStringAsync("/login"));

        // Its reseller previews it on a private URL; a visitor with the same URL sees the theme in use.
        using var admin = await SignedInAsync("kamp.localhost", "kamp-admin", "kamp-admin-pass-1");
        var preview = await admin.Client.GetAsync($"/login?theme-preview={version.Id}");
        var previewHtml = await preview.Content.ReadAsStringAsync();
        Assert.Contains("Welcome to Kamp Blue", previewHtml);
        Assert.Contains("frame-ancestors 'self'", preview.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("SAMEORIGIN", preview.Headers.GetValues("X-Frame-Options").Single());
        var framedNowhere = await admin.Client.GetAsync("/login");
        Assert.Contains("frame-ancestors 'none'", framedNowhere.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("DENY", framedNowhere.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("Legal notice", previewHtml);
        Assert.DoesNotContain("Welcome to", await visitor.Client.GetStringAsync($"/login?theme-preview={version.Id}"));

        // The colours come as a stylesheet of the version, served on the reseller's host only.
        var key = "v" + version.Id.ToString("N");
        var css = await visitor.Client.GetStringAsync($"/themes/{key}/variables.css");
        Assert.Contains("--brand: #123456;", css);
        Assert.Contains("Georgia", css);
        Assert.Equal(HttpStatusCode.OK, (await visitor.Client.GetAsync($"/themes/{key}/assets/brand.css")).StatusCode);
        using var acmeVisitor = _portal.Session("acme.localhost");
        Assert.Equal(HttpStatusCode.NotFound, (await acmeVisitor.Client.GetAsync($"/themes/{key}/assets/brand.css")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acmeVisitor.Client.GetAsync($"/themes/{key}/variables.css")).StatusCode);

        // Activated: kamp's visitors see it, acme's and the provider's do not.
        Assert.Equal(HttpStatusCode.OK, (await kamp.PostAsync($"/api/v1/theme/versions/{version.Id}/activate", null)).StatusCode);
        Assert.Contains("Welcome to Kamp Blue", await visitor.Client.GetStringAsync("/login"));
        Assert.DoesNotContain("Welcome to", await acmeVisitor.Client.GetStringAsync("/login"));
        using var provider = _portal.Session();
        Assert.DoesNotContain("Welcome to", await provider.Client.GetStringAsync("/login"));

        // And one click back.
        var back = await kamp.PostAsync("/api/v1/theme/rollback", null);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        var overview = (await back.Content.ReadFromJsonAsync<ThemeOverview>())!;
        Assert.Null(overview.ActiveVersionId);
        Assert.DoesNotContain("Welcome to", await visitor.Client.GetStringAsync("/login"));

        // A second roll back returns to the version: the roll back is itself a change.
        await kamp.PostAsync("/api/v1/theme/rollback", null);
        Assert.Contains("Welcome to Kamp Blue", await visitor.Client.GetStringAsync("/login"));

        // The version downloads as the zip it is kept as, and uploads again as a new version.
        var download = await kamp.GetAsync($"/api/v1/theme/versions/{version.Id}/package");
        Assert.Equal("application/zip", download.Content.Headers.ContentType?.MediaType);
        var again = new ByteArrayContent(await download.Content.ReadAsByteArrayAsync());
        again.Headers.ContentType = new("application/zip");
        Assert.Equal(2, (await (await kamp.PostAsync("/api/v1/theme/uploads", again)).Content.ReadFromJsonAsync<ThemeVersionView>())!.Number);
    }

    [Fact]
    public async Task The_editor_keeps_one_draft_checks_every_setting_and_saves_numbered_versions()
    {
        using var kamp = Api("kamp.localhost", "kamp-admin", "kamp-admin-pass-1");
        var overview = await kamp.GetFromJsonAsync<ThemeOverview>("/api/v1/theme");
        Assert.Equal("Kamp Cloud", overview!.Settings["brandName"].ToString());
        Assert.Contains(overview.Schema, f => f.Key == "imprintUrl" && f.Kind == "link");

        var bad = await kamp.PutAsJsonAsync("/api/v1/theme/draft", new
        {
            settings = new Dictionary<string, object>
            {
                ["primaryColor"] = "red; background:url(//evil)",
                ["imprintUrl"] = "javascript:alert(1)",
                ["font"] = "Comic Sans",
                ["footerLinks"] = new[] { new { label = "x", url = "//evil.example" } },
                ["bogus"] = "1",
            },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray();
        Assert.Equal(["settings.bogus", "settings.font", "settings.footerLinks[0].url", "settings.imprintUrl", "settings.primaryColor"], errors);

        var first = await (await kamp.PutAsJsonAsync("/api/v1/theme/draft", new { settings = new { brandName = "Kamp Draft", primaryColor = "#aa0000" } })).Content.ReadFromJsonAsync<ThemeVersionView>();
        var second = await (await kamp.PutAsJsonAsync("/api/v1/theme/draft", new { settings = new { brandName = "Kamp Draft 2" } })).Content.ReadFromJsonAsync<ThemeVersionView>();
        Assert.Null(second!.Number);
        overview = await kamp.GetFromJsonAsync<ThemeOverview>("/api/v1/theme");
        Assert.Equal(second.Id, overview!.Draft!.Id);
        Assert.Empty(overview.Versions);

        // A draft is for looking at: it is never used on the portal.
        Assert.Equal(HttpStatusCode.Conflict, (await kamp.PostAsync($"/api/v1/theme/versions/{second.Id}/activate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await kamp.PostAsync($"/api/v1/theme/versions/{first!.Id}/activate", null)).StatusCode);

        var saved = await kamp.PostAsJsonAsync("/api/v1/theme/versions", new { settings = new { brandName = "Kamp Saved", accentColor = "#0a0" } });
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        var v1 = (await saved.Content.ReadFromJsonAsync<ThemeVersionView>())!;
        Assert.Equal((1, "editor"), (v1.Number, v1.Source));
        await kamp.PostAsync($"/api/v1/theme/versions/{v1.Id}/activate", null);

        using var visitor = _portal.Session("kamp.localhost");
        Assert.Contains("Sign in · Kamp Saved", await visitor.Client.GetStringAsync("/login"));
        var v2 = await (await kamp.PostAsJsonAsync("/api/v1/theme/versions", new { settings = new { brandName = "Kamp Two" } })).Content.ReadFromJsonAsync<ThemeVersionView>();
        Assert.Equal(2, v2!.Number);
    }

    [Fact]
    public async Task No_one_reaches_another_resellers_theme_and_only_theme_managers_reach_their_own()
    {
        using var kamp = Api("kamp.localhost", "kamp-admin", "kamp-admin-pass-1");
        var version = (await (await kamp.PostAsync("/api/v1/theme/uploads", ThemeZip.Minimal().Content())).Content.ReadFromJsonAsync<ThemeVersionView>())!;

        using var acme = Api("acme.localhost", "acme-admin", "acme-admin-pass-1");
        Assert.Equal(HttpStatusCode.NotFound, (await acme.PostAsync($"/api/v1/theme/versions/{version.Id}/activate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.GetAsync($"/api/v1/theme/versions/{version.Id}/package")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.PutAsJsonAsync("/api/v1/theme/draft", new { settings = new { brandName = "x" }, from = version.Id })).StatusCode);
        Assert.Empty((await acme.GetFromJsonAsync<ThemeOverview>("/api/v1/theme"))!.Versions);

        // Acme's admin signed in on acme's portal cannot preview kamp's version there.
        using var acmeAdmin = await SignedInAsync("acme.localhost", "acme-admin", "acme-admin-pass-1");
        Assert.DoesNotContain("Kamp Blue", await acmeAdmin.Client.GetStringAsync($"/vms?theme-preview={version.Id}"));

        // A customer's administrator of kamp's portal has no theme to manage.
        using var customer = Api("localhost", "demo", "demo-pass-1");
        Assert.Equal(HttpStatusCode.Forbidden, (await customer.GetAsync("/api/v1/theme")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await customer.PostAsync("/api/v1/theme/uploads", ThemeZip.Minimal().Content())).StatusCode);
        using var demo = await SignedInAsync("localhost", "demo", "demo-pass-1");
        Assert.DoesNotContain("/admin/theme", await demo.Client.GetStringAsync("/vms"));
        Assert.Equal(HttpStatusCode.Forbidden, (await demo.Client.GetAsync("/admin/theme")).StatusCode);

        // The operator themes the provider's portal, not a reseller's.
        using var operatorApi = Api("localhost", "operator", "operator-pass-1");
        Assert.Equal(HttpStatusCode.NotFound, (await operatorApi.PostAsync($"/api/v1/theme/versions/{version.Id}/activate", null)).StatusCode);
        var own = (await (await operatorApi.PostAsync("/api/v1/theme/uploads", ThemeZip.Minimal("""{ "brandName": "Provider Blue" }""").Content())).Content.ReadFromJsonAsync<ThemeVersionView>())!;
        Assert.Equal(1, own.Number);
    }

    [Fact]
    public async Task The_theme_page_previews_saves_uploads_refuses_with_reasons_and_activates()
    {
        using var admin = await SignedInAsync("kamp.localhost", "kamp-admin", "kamp-admin-pass-1");
        var page = await admin.Client.GetStringAsync("/admin/theme");
        Assert.Contains("the installed theme", page);
        Assert.Contains("No versions yet", page);

        var fields = new Dictionary<string, string> { ["brandName"] = "Kamp Form", ["primaryColor"] = "#224466", ["footerLinks"] = "Status | https://status.kamp.example\nAGB | /agb", ["action"] = "save" };
        var saved = await admin.PostFormAsync("/admin/theme/settings", fields, "/admin/theme");
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        page = await admin.Client.GetStringAsync(saved.Headers.Location!.OriginalString);
        Assert.Contains("Saved as a new version", page);
        Assert.Matches("data-preview=\"[0-9a-f-]{36}\"", page);

        fields["primaryColor"] = "blue";
        var refused = await admin.PostFormAsync("/admin/theme/settings", fields, "/admin/theme");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("#rgb or #rrggbb", await refused.Content.ReadAsStringAsync());

        using var upload = new MultipartFormDataContent
        {
            { new StringContent(await admin.CsrfTokenAsync("/admin/theme")), "__csrf" },
            { new ByteArrayContent(ThemeZip.Minimal().Add("templates/Compute/VmList.sbn-html", "{{ model.vmz }}").Build()), "package", "theme.zip" },
        };
        var bad = await admin.Client.PostAsync("/admin/theme/upload", upload);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badHtml = WebUtility.HtmlDecode(await bad.Content.ReadAsStringAsync());
        Assert.Contains("templates/Compute/VmList.sbn-html:1", badHtml);
        Assert.Contains("has no member 'vmz'", badHtml);

        var versionId = System.Text.RegularExpressions.Regex.Match(page, "data-version-id=\"([0-9a-f-]{36})\"").Groups[1].Value;
        var activated = await admin.PostFormAsync($"/admin/theme/versions/{versionId}/activate", new Dictionary<string, string>(), "/admin/theme");
        Assert.Equal(HttpStatusCode.Redirect, activated.StatusCode);
        using var visitor = _portal.Session("kamp.localhost");
        var login = await visitor.Client.GetStringAsync("/login");
        Assert.Contains("Kamp Form", login);
        Assert.Contains("href=\"https://status.kamp.example\"", login);
        Assert.Contains("href=\"/agb\"", login);
    }

    [Fact]
    public async Task The_sample_theme_uploads_as_its_folder_and_gives_the_portal_another_layout()
    {
        using var kamp = Api("kamp.localhost", "kamp-admin", "kamp-admin-pass-1");
        var content = new ByteArrayContent(SampleTheme.Zip());
        content.Headers.ContentType = new("application/zip");

        var upload = await kamp.PostAsync("/api/v1/theme/uploads", content);

        Assert.True(upload.StatusCode == HttpStatusCode.Created, await upload.Content.ReadAsStringAsync());
        var version = (await upload.Content.ReadFromJsonAsync<ThemeVersionView>())!;
        Assert.Equal(("Harbour", "1.0.0"), (version.Name, version.Label));
        await kamp.PostAsync($"/api/v1/theme/versions/{version.Id}/activate", null);

        using var visitor = _portal.Session("kamp.localhost");
        var login = await visitor.Client.GetStringAsync("/login");
        Assert.Contains("harbour-hero", login);
        Assert.Contains("Harbour Cloud", login);
        Assert.Contains("https://harbour.example/impressum", login);
        var key = "v" + version.Id.ToString("N");
        Assert.Equal("image/svg+xml", (await visitor.Client.GetAsync($"/themes/{key}/assets/harbour-logo.svg")).Content.Headers.ContentType?.MediaType);
        Assert.Contains("--heading-font: Georgia", await visitor.Client.GetStringAsync($"/themes/{key}/variables.css"));

        using var baecker = await SignedInAsync("kamp.localhost", "baecker", "baecker-pass-1");
        var vms = await baecker.Client.GetStringAsync("/vms");
        Assert.Contains("class=\"harbour-side\"", vms);
        Assert.DoesNotContain("class=\"topbar\"", vms);
    }

    private HttpClient Api(string host, string user, string password) => _portal.ApiClient(user, password, host);

    private async Task<PortalSession> SignedInAsync(string host, string user, string password)
    {
        var session = _portal.Session(host);
        Assert.Equal("/vms", await session.SignInAsync(user, password));
        return session;
    }
}
