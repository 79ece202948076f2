using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Portal.Tests.Localisation;

/// <summary>
/// German and English as people meet them: the reseller's default on its own portal only, a visitor's switch, a user's
/// choice that follows them, problem details in the caller's language, and a reseller's own wording that stays on its
/// portal and can never write markup.
/// </summary>
public sealed class LanguageTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task A_resellers_default_language_speaks_to_the_visitors_of_its_own_portal_only()
    {
        using var kamp = Api("kamp.localhost", "kamp-admin", "kamp-admin-pass-1");
        var set = await kamp.PutAsJsonAsync("/api/v1/theme/language", new { language = "de" });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal("de", (await set.Content.ReadFromJsonAsync<ThemeOverview>())!.Language);

        using var kampVisitor = _portal.Session("kamp.localhost");
        var kampLogin = await kampVisitor.Client.GetStringAsync("/login");
        Assert.Contains("<html lang=\"de\">", kampLogin);
        Assert.Contains("<h1>Anmelden</h1>", kampLogin);
        Assert.Contains("<label for=\"userName\">Benutzername</label>", kampLogin);

        foreach (var host in new[] { "acme.localhost", "localhost" })
        {
            using var visitor = _portal.Session(host);
            var login = await visitor.Client.GetStringAsync("/login");
            Assert.Contains("<html lang=\"en\">", login);
            Assert.Contains("<h1>Sign in</h1>", login);
        }
    }

    [Theory]
    [InlineData("baecker", "baecker-pass-1")]
    [InlineData("geselle", "geselle-pass-1")]
    public async Task Only_the_resellers_administrators_set_its_portals_language(string user, string password)
    {
        using var customer = Api("kamp.localhost", user, password);

        var refused = await customer.PutAsJsonAsync("/api/v1/theme/language", new { language = "de" });

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using var visitor = _portal.Session("kamp.localhost");
        Assert.Contains("<h1>Sign in</h1>", await visitor.Client.GetStringAsync("/login"));
    }

    [Fact]
    public async Task Amounts_on_a_german_page_have_a_decimal_comma_and_the_price_form_still_takes_and_keeps_the_price()
    {
        using var kamp = _portal.ApiClient("kamp-admin", "kamp-admin-pass-1", "kamp.localhost");
        Assert.Equal(HttpStatusCode.NoContent, (await kamp.PutAsJsonAsync("/api/v1/profile/language", new { language = "de" })).StatusCode);
        using var session = await SignedInAsync("kamp.localhost", "kamp-admin", "kamp-admin-pass-1");
        var prices = await session.Client.GetStringAsync("/admin/prices");
        Assert.Contains("<td class=\"num\">590,00</td>", prices); // vDataCenter 12: 1990 less 1400 wholesale
        Assert.DoesNotContain(">590.00<", prices);

        // A number input's value is written as HTML wants it; the browser shows it in the page's language.
        Assert.Contains("value=\"1990.00\"", prices);
        var saved = await session.PostFormAsync("/admin/prices/vserver-s/retail", new Dictionary<string, string> { ["monthlyNet"] = "80,50" }, "/admin/prices");
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Equal(80.50m, (await kamp.GetAsync<JsonElement>("/api/v1/catalogue")).GetProperty("products").EnumerateArray().Single(p => p.GetProperty("code").GetString() == "vserver-s").GetProperty("retailMonthlyNet").GetDecimal());
        Assert.Contains("<td class=\"num\">28,00</td>", await session.Client.GetStringAsync("/admin/prices")); // 80.50 less 52.50 wholesale
    }

    [Fact]
    public async Task A_language_the_portal_does_not_speak_is_refused_with_the_field()
    {
        using var kamp = Api("kamp.localhost", "kamp-admin", "kamp-admin-pass-1");
        foreach (var language in new[] { "fr", "DE", "", "de-DE", "de\u0000", new string('d', 300) })
        {
            var portal = await kamp.PutAsJsonAsync("/api/v1/theme/language", new { language });
            var own = await kamp.PutAsJsonAsync("/api/v1/profile/language", new { language = language.Length == 0 ? "x" : language });

            Assert.True(portal.StatusCode == HttpStatusCode.BadRequest, $"{language}: {portal.StatusCode}");
            Assert.True((await portal.ProblemAsync()).GetProperty("errors").TryGetProperty("language", out _));
            Assert.True(own.StatusCode == HttpStatusCode.BadRequest, $"{language}: {own.StatusCode}");
            Assert.True((await own.ProblemAsync()).GetProperty("errors").TryGetProperty("language", out _));
        }
    }

    [Fact]
    public async Task A_visitor_switches_the_language_and_the_switch_sends_nobody_to_another_site()
    {
        using var visitor = _portal.Session("acme.localhost");

        var switched = await visitor.PostFormAsync("/language", new Dictionary<string, string> { ["language"] = "de", ["returnUrl"] = "/login" });
        Assert.Equal(HttpStatusCode.Redirect, switched.StatusCode);
        Assert.Equal("/login", switched.Headers.Location?.OriginalString);
        Assert.Contains("<h1>Anmelden</h1>", await visitor.Client.GetStringAsync("/login"));

        foreach (var elsewhere in new[] { "https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)" })
        {
            var back = await visitor.PostFormAsync("/language", new Dictionary<string, string> { ["language"] = "en", ["returnUrl"] = elsewhere });
            Assert.Equal("/", back.Headers.Location?.OriginalString);
        }

        var refused = await visitor.PostFormAsync("/language", new Dictionary<string, string> { ["language"] = "fr", ["returnUrl"] = "/login" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("<h1>Sign in</h1>", await visitor.Client.GetStringAsync("/login"));

        // Without the anti-forgery field no one else's page can switch it.
        var forged = await visitor.Client.PostAsync("/language", new FormUrlEncodedContent(new Dictionary<string, string> { ["language"] = "de" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("<h1>Sign in</h1>", await visitor.Client.GetStringAsync("/login"));
    }

    [Fact]
    public async Task A_users_choice_follows_them_to_another_browser_and_the_api()
    {
        using (var first = await SignedInAsync("kamp.localhost", "geselle", "geselle-pass-1"))
        {
            var chosen = await first.PostFormAsync("/language", new Dictionary<string, string> { ["language"] = "de", ["returnUrl"] = "/vms" }, "/vms");
            Assert.Equal("/vms", chosen.Headers.Location?.OriginalString);
            Assert.Contains(">Auftragsprotokoll</a>", await first.Client.GetStringAsync("/vms"));
        }

        // Another browser without the cookie: the account's choice.
        using var second = await SignedInAsync("kamp.localhost", "geselle", "geselle-pass-1");
        var list = await second.Client.GetStringAsync("/vms");
        Assert.Contains("<html lang=\"de\">", list);
        Assert.Contains(">Auftragsprotokoll</a>", list);

        // Another user of the same portal is not affected.
        using var baecker = await SignedInAsync("kamp.localhost", "baecker", "baecker-pass-1");
        Assert.Contains(">Job log</a>", await baecker.Client.GetStringAsync("/vms"));

        using var api = Api("kamp.localhost", "geselle", "geselle-pass-1");
        var missing = await api.GetAsync($"/api/v1/vms/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var problem = await missing.ProblemAsync();
        Assert.Equal("Nicht gefunden.", problem.GetProperty("title").GetString());
        Assert.Equal("Der vServer wurde nicht gefunden.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Problem_details_speak_the_callers_language_field_by_field_and_return_to_English()
    {
        using var demo = _portal.Demo();
        Assert.Equal(HttpStatusCode.NoContent, (await demo.PutAsJsonAsync("/api/v1/profile/language", new { language = "de" })).StatusCode);

        var refused = await demo.PostAsJsonAsync("/api/v1/vms", new { name = "Not A Name!", vcpus = 99, memoryGiB = 1, diskGiB = 20 });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.ProblemAsync();
        Assert.Equal("Die Anfrage ist ungültig.", problem.GetProperty("title").GetString());
        var name = problem.GetProperty("errors").GetProperty("name")[0].GetString();
        Assert.StartsWith("Verwenden Sie nur Kleinbuchstaben", name);
        Assert.StartsWith("Wählen Sie 1 bis ", problem.GetProperty("errors").GetProperty("vcpus")[0].GetString());
        Assert.Contains("name: Verwenden Sie", problem.GetProperty("detail").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await demo.PutAsJsonAsync("/api/v1/profile/language", new { language = (string?)null })).StatusCode);
        var english = await (await demo.PostAsJsonAsync("/api/v1/vms", new { name = "Not A Name!", vcpus = 1, memoryGiB = 1, diskGiB = 20 })).ProblemAsync();
        Assert.Equal("The request is invalid.", english.GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_resellers_own_wording_stays_on_its_portal_and_never_writes_markup()
    {
        using var kamp = Api("kamp.localhost", "kamp-admin", "kamp-admin-pass-1");
        var texts = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["Sign in"] = "<b>Rein</b> mit Ihnen",
            ["Not found."] = "Gibt es nicht.",
            ["User name"] = "Kundennummer",
        });
        var saved = await kamp.PutAsJsonAsync("/api/v1/theme/texts/de", new { texts });
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        var version = (await saved.Content.ReadFromJsonAsync<ThemeVersionView>())!;
        Assert.Equal(HttpStatusCode.OK, (await kamp.PostAsync($"/api/v1/theme/versions/{version.Id}/activate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await kamp.PutAsJsonAsync("/api/v1/theme/language", new { language = "de" })).StatusCode);
        var overview = (await kamp.GetFromJsonAsync<ThemeOverview>("/api/v1/theme"))!;
        Assert.Equal(texts, overview.Texts["de"]);

        using var kampVisitor = _portal.Session("kamp.localhost");
        var login = await kampVisitor.Client.GetStringAsync("/login");
        Assert.Contains("&lt;b&gt;Rein&lt;/b&gt; mit Ihnen", login);
        Assert.DoesNotContain("<b>Rein</b>", login);
        Assert.Contains(">Kundennummer</label>", login);
        Assert.Contains("Passwort", login);

        // The same words in German on another reseller's portal are the portal's own.
        using var acmeVisitor = _portal.Session("acme.localhost");
        await acmeVisitor.PostFormAsync("/language", new Dictionary<string, string> { ["language"] = "de", ["returnUrl"] = "/login" });
        var acme = await acmeVisitor.Client.GetStringAsync("/login");
        Assert.Contains("<h1>Anmelden</h1>", acme);
        Assert.DoesNotContain("Rein", acme);
        Assert.DoesNotContain("Kundennummer", acme);

        // Its wording reaches its problem documents, and only its own.
        using var geselle = Api("kamp.localhost", "geselle", "geselle-pass-1");
        Assert.Equal("Gibt es nicht.", (await (await geselle.GetAsync($"/api/v1/vms/{Guid.NewGuid()}")).ProblemAsync()).GetProperty("title").GetString());
        using var widget = Api("acme.localhost", "widget", "widget-pass-1");
        await widget.PutAsJsonAsync("/api/v1/profile/language", new { language = "de" });
        Assert.Equal("Nicht gefunden.", (await (await widget.GetAsync($"/api/v1/vms/{Guid.NewGuid()}")).ProblemAsync()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Wording_that_is_not_texts_is_refused_with_the_reason_and_nothing_is_kept()
    {
        using var kamp = Api("kamp.localhost", "kamp-admin", "kamp-admin-pass-1");
        foreach (var (texts, reason) in new[]
        {
            ("""{ "Sign in": 5 }""", "must be a string"),
            ("""{ "Sign in": "Rein {3}" }""", "{3}"),
            ("[]", "JSON object"),
            ("{ nope", "not valid JSON"),
        })
        {
            var refused = await kamp.PutAsJsonAsync("/api/v1/theme/texts/de", new { texts });

            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{texts}: {refused.StatusCode}");
            var errors = (await refused.ProblemAsync()).GetProperty("errors").GetProperty("texts");
            Assert.Contains(errors.EnumerateArray(), e => e.GetString()!.Contains(reason, StringComparison.Ordinal));
        }

        Assert.Empty((await kamp.GetFromJsonAsync<ThemeOverview>("/api/v1/theme"))!.Versions);
        Assert.Equal(HttpStatusCode.BadRequest, (await kamp.PutAsJsonAsync("/api/v1/theme/texts/fr", new { texts = "{}" })).StatusCode);
    }

    [Fact]
    public async Task The_scripts_texts_are_served_per_language_and_a_resellers_only_on_its_own_portal()
    {
        using var visitor = _portal.Session("kamp.localhost");
        var german = await visitor.Client.GetAsync("/themes/Default/texts/de.js");
        Assert.Equal(HttpStatusCode.OK, german.StatusCode);
        Assert.Equal("text/javascript", german.Content.Headers.ContentType?.MediaType);
        var script = await german.Content.ReadAsStringAsync();
        Assert.Contains("Wird gespeichert", script);
        Assert.Contains("window.vcoreText", script);
        Assert.Equal(HttpStatusCode.NotFound, (await visitor.Client.GetAsync("/themes/Default/texts/fr.js")).StatusCode);

        using var kamp = Api("kamp.localhost", "kamp-admin", "kamp-admin-pass-1");
        var saved = (await (await kamp.PutAsJsonAsync("/api/v1/theme/texts/de", new { texts = """{ "Saving…": "Sichere …" }""" })).Content.ReadFromJsonAsync<ThemeVersionView>())!;
        await kamp.PostAsync($"/api/v1/theme/versions/{saved.Id}/activate", null);
        var key = "v" + saved.Id.ToString("N");
        Assert.Contains("Sichere", await visitor.Client.GetStringAsync($"/themes/{key}/texts/de.js"));
        using var acme = _portal.Session("acme.localhost");
        Assert.Equal(HttpStatusCode.NotFound, (await acme.Client.GetAsync($"/themes/{key}/texts/de.js")).StatusCode);
    }

    private HttpClient Api(string host, string user, string password) => _portal.ApiClient(user, password, host);

    private async Task<PortalSession> SignedInAsync(string host, string user, string password)
    {
        var session = _portal.Session(host);
        Assert.Equal("/vms", await session.SignInAsync(user, password));
        return session;
    }
}
