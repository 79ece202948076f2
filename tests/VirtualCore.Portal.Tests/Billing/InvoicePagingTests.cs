using System.Net;
using System.Net.Http.Json;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Portal.Tests.Billing;

/// <summary>The invoice list in pages: every invoice reachable, none twice, the next page announced, a bad page refused.</summary>
public sealed class InvoicePagingTests : IAsyncLifetime
{
    private const int Count = (2 * InvoiceList.PageSize) + 7;

    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string> { ["Billing:MonthlyRun"] = "false" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Every_invoice_is_on_exactly_one_page_newest_first_and_the_link_header_leads_to_the_next()
    {
        // Drafts of Kamp to Bäckerei Kamp for 407 months, the newest in December 2024.
        var expected = await _portal.DbAsync(async db =>
        {
            var months = Enumerable.Range(0, Count).Select(n => new DateOnly(2024, 12, 1).AddMonths(-n)).ToList();
            db.AddRange(months.Select(m => new Invoice
            {
                Id = Guid.NewGuid(),
                IssuerId = DemoTenants.KampId,
                ResellerId = DemoTenants.KampId,
                CustomerId = DemoTenants.KampCustomerId,
                RecipientId = DemoTenants.KampCustomerId,
                PeriodStart = m,
                PeriodEnd = m.AddMonths(1).AddDays(-1),
                CreatedAt = DateTimeOffset.UtcNow,
            }));
            await db.SaveChangesAsync();
            return months;
        });

        using var kampAdmin = _portal.ApiClient("kamp-admin", "kamp-admin-pass-1", "kamp.localhost");
        var seen = new List<DateOnly>();
        var path = "/api/v1/invoices";
        var pages = 0;
        while (path is not null)
        {
            var response = await kampAdmin.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = (await response.Content.ReadFromJsonAsync<InvoiceView[]>(Api.Json))!;
            seen.AddRange(page.Select(i => i.PeriodStart));
            pages++;
            path = response.Headers.TryGetValues("Link", out var links)
                ? System.Text.RegularExpressions.Regex.Match(links.Single(), "^<([^>]+)>; rel=\"next\"$").Groups[1].Value
                : null;
        }

        Assert.Equal(3, pages);
        Assert.Equal(expected, seen);

        // Narrowed lists page the same way and keep their filter in the link.
        var unpaid = await kampAdmin.GetAsync("/api/v1/invoices?unpaid=false&page=2");
        Assert.Equal("</api/v1/invoices?unpaid=false&page=3>; rel=\"next\"", unpaid.Headers.GetValues("Link").Single());

        foreach (var bad in new[] { "0", "-1", "100001", "x", "99999999999" })
        {
            var refused = await kampAdmin.GetAsync($"/api/v1/invoices?page={bad}");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        // Past the end: an empty page and no link.
        var beyond = await kampAdmin.GetAsync("/api/v1/invoices?page=4");
        Assert.Empty((await beyond.Content.ReadFromJsonAsync<InvoiceView[]>(Api.Json))!);
        Assert.False(beyond.Headers.Contains("Link"));

        // The customer sees none of the drafts, on any page.
        using var baecker = _portal.ApiClient("baecker", "baecker-pass-1", "kamp.localhost");
        Assert.Empty(await baecker.GetAsync<InvoiceView[]>("/api/v1/invoices?page=2"));

        // The page links older and newer invoices.
        using var session = _portal.Session("kamp.localhost");
        await session.SignInAsync("kamp-admin", "kamp-admin-pass-1");
        var first = await session.Client.GetStringAsync("/admin/invoices");
        Assert.Contains("href=\"/admin/invoices?page=2\"", first);
        Assert.DoesNotContain("rel=\"prev\"", first);
        var last = await session.Client.GetStringAsync("/admin/invoices?page=3");
        Assert.Contains("href=\"/admin/invoices?page=2\" rel=\"prev\"", last);
        Assert.DoesNotContain("id=\"older-invoices\"", last);
        Assert.Contains("1991-02", last);
    }
}
