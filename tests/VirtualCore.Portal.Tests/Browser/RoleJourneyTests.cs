using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Portal.Tests.Browser;

/// <summary>
/// The journeys of each role on both demo resellers' host names, in German, in Chromium: the customer's administrator
/// signs in with a one-time password (set up on the way), switches the language, creates and starts a vServer and watches
/// its jobs finish live; the customer's user sees none of it; the reseller's administrator sets the portal's language,
/// uploads the sample theme, uses it and rolls back; the operator looks after the rack servers and resellers.
/// </summary>
public sealed partial class RoleJourneyTests : PortalBrowserTests
{
    [Theory]
    [InlineData("kamp.localhost", "kamp-admin", "baecker", "geselle", "Bäckerei Kamp KG")]
    [InlineData("acme.localhost", "acme-admin", "widget", "intern", "Acme Widgets Ltd")]
    public async Task Every_role_of_a_reseller_does_its_work_in_German(string host, string resellerAdmin, string customerAdmin, string customerUser, string customer)
    {
        var url = HostUrl(host);

        // The reseller requires one-time passwords of this customer's people.
        using var admin = Portal.ApiClient(resellerAdmin, resellerAdmin + "-pass-1");
        admin.DefaultRequestHeaders.Host = host;
        var customers = (await admin.GetFromJsonAsync<CustomerView[]>("/api/v1/customers"))!;
        var customerId = customers.Single(c => c.Name == customer).Id;
        Assert.True((await admin.PutAsJsonAsync($"/api/v1/customers/{customerId}/otp-policy", new { otpRequired = true })).IsSuccessStatusCode);

        // The customer's administrator: the password, then the one-time password set up on the way.
        await using (var context = await Browser.NewContextAsync())
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync(url + "/login");
            await page.ClickAsync(".language-switch button[lang=de]");
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Anmelden");
            await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "de");
            await page.FillAsync("#userName", customerAdmin);
            await page.FillAsync("#password", customerAdmin + "-pass-1");
            await page.ClickAsync("form[action='/login'] button[type=submit]");
            await page.WaitForURLAsync(url + "/login/enrol");
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Einmalpasswort einrichten");
            var secret = await page.GetAttributeAsync("#otp-secret", "data-secret");
            await page.FillAsync("#code", OathTool.Totp(secret!, DateTimeOffset.UtcNow));
            await page.ClickAsync("main form button[type=submit]");
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Ihre Wiederherstellungscodes");
            await Assertions.Expect(page.Locator("#recovery-codes li")).ToHaveCountAsync(10);
            await page.ClickAsync("text=Ich habe sie gesichert – weiter");
            await page.WaitForURLAsync(url + "/vms");
            await Assertions.Expect(page.Locator("nav.mainnav")).ToContainTextAsync("Auftragsprotokoll");

            // The job log open in its own tab follows what happens, in German.
            var log = await context.NewPageAsync();
            await log.GotoAsync(url + "/jobs");
            await Assertions.Expect(log.Locator("html[data-live=on]")).ToHaveCountAsync(1);

            await page.ClickAsync("text=Neuer vServer >> nth=0");
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Neuer vServer");
            await page.FillAsync("#name", "reise-1");
            await page.FillAsync("#vcpus", "1");
            await page.FillAsync("#memoryGiB", "1");
            await page.FillAsync("#diskGiB", "20");
            await page.ClickAsync("button:has-text('vServer anlegen')");
            await page.WaitForURLAsync(VmPage());
            var badge = page.Locator("#vm-detail [data-vm-state]");
            await Assertions.Expect(badge).ToHaveTextAsync("ausgeschaltet");
            await page.ClickAsync("button[data-action=start]");
            await Assertions.Expect(badge).ToHaveTextAsync("läuft");

            var rows = log.Locator("#job-table tbody tr");
            await Assertions.Expect(rows).ToHaveCountAsync(2);
            await Assertions.Expect(rows.Nth(0)).ToContainTextAsync($"starten ({customerAdmin})");
            await Assertions.Expect(rows.Nth(1)).ToContainTextAsync($"anlegen ({customerAdmin})");
            await Assertions.Expect(rows.Nth(0).Locator(".badge")).ToHaveTextAsync("abgeschlossen");
            await Assertions.Expect(rows.Nth(1).Locator(".badge")).ToHaveTextAsync("abgeschlossen");
        }

        // The customer's user: German by the same switch, and none of the administrator's vServers without a grant.
        await using (var context = await Browser.NewContextAsync())
        {
            await context.AddCookiesAsync([new Cookie { Name = "vcore.lang", Value = "de", Url = url }]);
            var page = await context.NewPageAsync();
            await page.GotoAsync(url + "/login");
            await page.FillAsync("#userName", customerUser);
            await page.FillAsync("#password", customerUser + "-pass-1");
            await page.ClickAsync("form[action='/login'] button[type=submit]");
            await page.WaitForURLAsync(url + "/login/enrol");
            await page.FillAsync("#code", OathTool.Totp((await page.GetAttributeAsync("#otp-secret", "data-secret"))!, DateTimeOffset.UtcNow));
            await page.ClickAsync("main form button[type=submit]");
            await page.ClickAsync("text=Ich habe sie gesichert – weiter");
            await page.WaitForURLAsync(url + "/vms");
            await Assertions.Expect(page.Locator(".empty-state")).ToContainTextAsync("Ihr Administrator hat noch keinen vServer für Sie freigegeben.");
            Assert.Equal(0, await page.Locator("text=reise-1").CountAsync());
        }

        // The reseller's administrator: the portal speaks German to everyone, the sample theme is used and rolled back.
        await using (var context = await Browser.NewContextAsync())
        {
            var page = await SignedInPageAsync(context, resellerAdmin, resellerAdmin + "-pass-1", url);
            await page.ClickAsync(".language-switch button[lang=de]");
            await page.ClickAsync("nav .nav-menu summary");
            await Assertions.Expect(page.Locator("nav .nav-menu summary")).ToHaveTextAsync("Verwaltung");
            await page.ClickAsync("nav a[href='/admin/theme']");
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Theme");
            await page.SelectOptionAsync("#portal-language-choice", "de");
            await page.ClickAsync("form[action='/admin/theme/language'] button[type=submit]");
            await Assertions.Expect(page.Locator(".alert-info")).ToHaveTextAsync("Die Sprache Ihres Portals ist gespeichert.");

            await page.SetInputFilesAsync("#package", new FilePayload { Name = "harbour.zip", MimeType = "application/zip", Buffer = Themes.SampleTheme.Zip() });
            await page.ClickAsync("form[action='/admin/theme/upload'] button[type=submit]");
            await Assertions.Expect(page.Locator(".alert-info")).ToContainTextAsync("hat jede Prüfung bestanden");
            await Assertions.Expect(page.FrameLocator("#preview-frame").Locator(".harbour-hero-line")).ToHaveTextAsync("Ihre Server, sicher vertäut.");
            await page.ClickAsync("#theme-versions tbody tr:has-text('Harbour') >> text=Diese Version verwenden");
            await Assertions.Expect(page.Locator("#theme-in-use")).ToHaveTextAsync("Version 1");
            await Assertions.Expect(page.Locator("aside.harbour-side")).ToBeVisibleAsync();

            // A visitor who chose nothing meets the portal in German, in the reseller's words.
            await using var visitorContext = await Browser.NewContextAsync();
            var visitor = await visitorContext.NewPageAsync();
            await visitor.GotoAsync(url + "/login");
            await Assertions.Expect(visitor.Locator("html")).ToHaveAttributeAsync("lang", "de");
            await Assertions.Expect(visitor.Locator(".harbour-hero-line")).ToHaveTextAsync("Ihre Server, sicher vertäut.");

            await page.ClickAsync("#theme-rollback");
            await Assertions.Expect(page.Locator("#theme-in-use")).ToHaveTextAsync("das installierte Theme");
            await Assertions.Expect(page.Locator("aside.harbour-side")).ToHaveCountAsync(0);
        }
    }

    [Fact]
    public async Task The_operator_looks_after_rack_servers_and_resellers_in_German_and_back_in_English()
    {
        await using var context = await Browser.NewContextAsync();
        var page = await SignedInPageAsync(context, "operator", "operator-pass-1", BaseUrl);
        await page.ClickAsync(".language-switch button[lang=de]");
        await page.ClickAsync("nav.mainnav a[href='/nodes']");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Rack-Server");
        await Assertions.Expect(page.Locator("[data-node=rack-1]")).ToContainTextAsync("online");
        await page.ClickAsync("nav .nav-menu summary");
        await page.ClickAsync("nav.mainnav a[href='/admin/resellers']");
        await Assertions.Expect(page.Locator("nav .nav-menu summary.current")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Reseller");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Kamp Cloud");

        // The choice is the account's: a new browser signs in to German.
        await using var other = await Browser.NewContextAsync();
        var again = await SignedInPageAsync(other, "operator", "operator-pass-1", BaseUrl);
        await Assertions.Expect(again.Locator("html")).ToHaveAttributeAsync("lang", "de");
        await again.ClickAsync(".language-switch button[lang=en]");
        await Assertions.Expect(again.Locator("nav.mainnav")).ToContainTextAsync("Job log");
    }

    [GeneratedRegex("/vms/[0-9a-f-]{36}$")]
    private static partial Regex VmPage();
}
