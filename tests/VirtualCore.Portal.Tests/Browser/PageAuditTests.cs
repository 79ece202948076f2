using System.Net.Http.Json;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Portal.Tests.Themes;

namespace VirtualCore.Portal.Tests.Browser;

/// <summary>
/// Every page of every role in both themes (the default on the provider's portal, the sample Harbour on a reseller's)
/// and both languages checked with axe-core in Chromium: no serious or critical accessibility violation. With VCORE_SCREENSHOTS set to a
/// folder, each page is also saved there as a screenshot (<c>scripts/screenshots.sh</c> fills docs/screenshots).
/// </summary>
public sealed class PageAuditTests : PortalBrowserTests
{
    [Fact]
    public async Task Every_page_in_both_themes_and_both_languages_has_no_serious_accessibility_violation()
    {
        // The reseller kamp uses the sample theme; the provider's portal the default.
        // The portal listens on a real port here: the reseller's host name goes in the Host header.
        using var kampAdmin = Portal.ApiClient("kamp-admin", "kamp-admin-pass-1");
        kampAdmin.DefaultRequestHeaders.Host = "kamp.localhost";
        var zip = new ByteArrayContent(SampleTheme.Zip());
        zip.Headers.ContentType = new("application/zip");
        var harbour = (await (await kampAdmin.PostAsync("/api/v1/theme/uploads", zip)).Content.ReadFromJsonAsync<ThemeVersionView>())!;
        await kampAdmin.PostAsync($"/api/v1/theme/versions/{harbour.Id}/activate", null);

        var demoVm = await Portal.Demo().CreatedVmAsync("audit-demo");
        using var baeckerApi = Portal.ApiClient("baecker", "baecker-pass-1");
        baeckerApi.DefaultRequestHeaders.Host = "kamp.localhost";
        var kampVm = await baeckerApi.CreatedVmAsync("audit-kamp");
        var contract = await (await baeckerApi.PostAsJsonAsync("/api/v1/contracts", new { productCode = "vserver-s" })).Content.ReadFromJsonAsync<VirtualCore.Modules.Billing.Contracts.ContractView>();
        await Portal.ApiClient("operator", "operator-pass-1").PostAsJsonAsync("/api/v1/invoices/run", new { });
        var invoice = (await baeckerApi.GetAsync<VirtualCore.Modules.Billing.Contracts.InvoiceView[]>("/api/v1/invoices")).Single();
        await Portal.DbAsync(async db =>
        {
            db.Add(new VirtualCore.Modules.Billing.Domain.ContractNotice
            {
                Id = Guid.NewGuid(),
                ResellerId = VirtualCore.Modules.Tenancy.Contracts.DemoTenants.KampId,
                Reference = "KN-AUDIT001",
                ReceivedAt = DateTimeOffset.UtcNow,
                Name = "Berta Bäcker",
                Email = "berta@baecker.example",
                Account = "Bäckerei Kamp",
                Contract = "vServer S",
                Extraordinary = true,
                Reason = "Moving abroad",
            });
            return await db.SaveChangesAsync();
        });

        var hook = await Portal.Demo().PostAsJsonAsync("/api/v1/webhooks", new { url = "https://hooks.example.com/audit", events = new[] { "job.completed" }, description = "audit" });
        var hookId = (await hook.Content.ReadFromJsonAsync<VirtualCore.Modules.Automation.Contracts.CreatedWebhook>(Api.Json))!.Webhook.Id;
        await Portal.Demo().PostAsync($"/api/v1/webhooks/{hookId}/ping", null);
        var kampUrl = HostUrl("kamp.localhost");
        var visits = new List<(string Theme, string Base, string? User, string Password, string[] Paths)>
        {
            ("default", BaseUrl, null, "", ["/login", "/cancel-contracts"]),
            ("default", BaseUrl, "demo", "demo-pass-1", ["/overview", "/vms", "/vms/new", $"/vms/{demoVm}", $"/vms/{demoVm}/hardware", $"/vms/{demoVm}/console", "/jobs", "/alerts", "/isos", "/admin/prices", "/admin/contracts", "/admin/users", "/profile", "/admin/audit", "/admin/webhooks", $"/admin/webhooks/{hookId}"]),
            ("default", BaseUrl, "operator", "operator-pass-1", ["/overview", "/nodes", "/admin/prices", "/admin/contracts", "/admin/invoices", "/admin/invoices?unpaid=true", "/admin/revenue", "/admin/billing-details", "/admin/resellers", "/admin/customers", "/admin/theme", "/operations/ip-pools", "/operations/dead-letters"]),
            ("harbour", kampUrl, null, "", ["/login", "/cancel-contracts"]),
            ("harbour", kampUrl, "baecker", "baecker-pass-1", ["/overview", "/vms", "/vms/new", $"/vms/{kampVm}", "/jobs", "/alerts", "/isos", "/admin/prices", "/admin/contracts", $"/admin/contracts/{contract!.Id}/cancel", $"/admin/contracts/{contract.Id}/upgrade", "/admin/invoices", $"/admin/invoices/{invoice.Id}", "/admin/billing-details", "/profile"]),
            ("harbour", kampUrl, "kamp-admin", "kamp-admin-pass-1", ["/admin/prices", "/admin/contracts", "/admin/invoices", $"/admin/invoices/{invoice.Id}", "/admin/revenue", "/admin/contract-notices", "/admin/customers", "/admin/users", "/admin/theme", "/admin/webhooks"]),
        };

        var screenshots = Environment.GetEnvironmentVariable("VCORE_SCREENSHOTS");
        if (!string.IsNullOrEmpty(screenshots))
        {
            Directory.CreateDirectory(screenshots);
        }

        var violations = new List<string>();
        foreach (var (theme, baseUrl, user, password, paths) in visits)
        {
            foreach (var language in new[] { "en", "de" })
            {
                await using var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });

                // The language a visitor picks with the switch: signed in, it stays while the person has chosen none.
                await context.AddCookiesAsync([new Cookie { Name = "vcore.lang", Value = language, Url = baseUrl }]);
                var page = user is null ? await context.NewPageAsync() : await SignedInPageAsync(context, user, password, baseUrl);

                foreach (var path in paths)
                {
                    var response = await page.GotoAsync(baseUrl + path, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
                    Assert.True(response?.Ok == true, $"{theme} {language} {user} {path}: {response?.Status}");
                    Assert.Equal(language, await page.GetAttributeAsync("html", "lang"));
                    var result = await page.RunAxe();
                    violations.AddRange(result.Violations
                        .Where(v => v.Impact is "serious" or "critical")
                        .Select(v => $"{theme} {language} {user ?? "visitor"} {path}: {v.Id} ({v.Impact}) {v.Help} — {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}"));
                    if (!string.IsNullOrEmpty(screenshots))
                    {
                        var name = $"{theme}-{language}-{user ?? "visitor"}-{path.Trim('/').Replace('/', '-').Replace(demoVm.ToString(), "vm", StringComparison.Ordinal).Replace(kampVm.ToString(), "vm", StringComparison.Ordinal).Replace(contract.Id.ToString(), "contract", StringComparison.Ordinal)}";
                        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, name + ".png"), FullPage = true });
                    }
                }
            }
        }

        Assert.True(violations.Count == 0, "Accessibility violations:\n" + string.Join("\n", violations));
    }

    [Fact]
    public async Task Times_show_in_the_readers_time_zone_and_language_with_the_utc_moment_on_hover()
    {
        var vm = await Portal.Demo().CreatedVmAsync("clock");
        await using var context = await Browser.NewContextAsync(new BrowserNewContextOptions { TimezoneId = "Pacific/Auckland", Locale = "de-DE" });
        var page = await SignedInPageAsync(context);

        await page.GotoAsync(BaseUrl + $"/vms/{vm}");
        var created = page.Locator(".subtitle time");
        var utc = await created.GetAttributeAsync("datetime");
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", utc);
        await Assertions.Expect(created).ToHaveAttributeAsync("title", utc!.Replace("T", " ", StringComparison.Ordinal).Replace("Z", " UTC", StringComparison.Ordinal));
        var auckland = TimeZoneInfo.ConvertTime(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), TimeZoneInfo.FindSystemTimeZoneById("Pacific/Auckland"));
        await Assertions.Expect(created).ToContainTextAsync(auckland.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(created).ToContainTextAsync(auckland.Year.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain("T", await created.TextContentAsync() ?? "T", StringComparison.Ordinal);

        // Rows the job log adds live are shown the same way.
        await page.GotoAsync(BaseUrl + "/jobs");
        await Portal.Demo().ActAsync(vm, "start");
        var newest = page.Locator("#job-table tbody tr").First.Locator("time").First;
        await Assertions.Expect(newest).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex(" UTC$"));
    }
}
