using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Portal.Tests.Billing;

/// <summary>
/// Ordering and ending contracts: what a customer's administrators may order (their reseller's offer, at its price),
/// the day notice takes effect shown before it is given, and every way to reach another customer's contract.
/// </summary>
public sealed class ContractTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private HttpClient Kamp(string user) => _portal.ApiClient(user, $"{user}-pass-1", "kamp.localhost");

    private HttpClient Acme(string user) => _portal.ApiClient(user, $"{user}-pass-1", "acme.localhost");

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private static async Task<ContractView> OrderAsync(HttpClient client, string product, bool consumer = false)
    {
        var response = await client.PostAsJsonAsync("/api/v1/contracts", new { productCode = product, consumer });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ContractView>())!;
    }

    [Fact]
    public async Task A_customer_orders_its_resellers_offer_at_todays_price_which_stays_when_the_price_changes()
    {
        using var baecker = Kamp("baecker");
        var contract = await OrderAsync(baecker, "vserver-s");

        Assert.Equal(("vserver-s", "vServer S", 75m, false, 3), (contract.ProductCode, contract.ProductName, contract.MonthlyNet, contract.Consumer, contract.NoticeMonths));
        Assert.Equal(Today, contract.StartsOn);
        Assert.Equal(Today.AddMonths(12).AddDays(-1), contract.MinimumTermEndsOn);
        Assert.Null(contract.EndsOn);

        using var kampAdmin = Kamp("kamp-admin");
        Assert.Equal(HttpStatusCode.OK, (await kampAdmin.PutAsJsonAsync("/api/v1/catalogue/products/vserver-s/retail", new { monthlyNet = 99m })).StatusCode);
        var listed = Assert.Single(await baecker.GetAsync<ContractView[]>("/api/v1/contracts"));
        Assert.Equal((contract.Id, 75m, ""), (listed.Id, listed.MonthlyNet, listed.Customer));

        // The reseller's staff see it with the customer's name; another reseller's do not see it at all.
        Assert.Equal("Bäckerei Kamp KG", Assert.Single(await kampAdmin.GetAsync<ContractView[]>("/api/v1/contracts")).Customer);
        Assert.Empty(await Acme("acme-admin").GetAsync<ContractView[]>("/api/v1/contracts"));
        Assert.Empty(await Acme("widget").GetAsync<ContractView[]>("/api/v1/contracts"));
        Assert.Contains(await _portal.ApiClient("operator", "operator-pass-1").GetAsync<ContractView[]>("/api/v1/contracts"), c => c.Id == contract.Id);

        var audit = await _portal.DbAsync(db => db.Set<AuditEntry>().SingleAsync(e => e.Action == "contract.ordered"));
        Assert.Equal(("baecker", "vServer S"), (audit.Actor, audit.Target));
    }

    [Fact]
    public async Task Only_a_customers_administrators_order_and_only_what_their_reseller_offers()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await Kamp("geselle").PostAsJsonAsync("/api/v1/contracts", new { productCode = "vserver-s" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Kamp("kamp-admin").PostAsJsonAsync("/api/v1/contracts", new { productCode = "vserver-s" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _portal.ApiClient("operator", "operator-pass-1").PostAsJsonAsync("/api/v1/contracts", new { productCode = "vserver-s" })).StatusCode);

        using var widget = Acme("widget");
        // Acme does not offer the large vServer: for its customers it does not exist.
        Assert.Equal(HttpStatusCode.NotFound, (await widget.PostAsJsonAsync("/api/v1/contracts", new { productCode = "vserver-l" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await widget.PostAsJsonAsync("/api/v1/contracts", new { productCode = "no-such-thing" })).StatusCode);
        var blank = await widget.PostAsJsonAsync("/api/v1/contracts", new { productCode = " " });
        Assert.Equal(HttpStatusCode.BadRequest, blank.StatusCode);
        Assert.True((await blank.ProblemAsync()).GetProperty("errors").TryGetProperty("productCode", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await widget.PostAsJsonAsync("/api/v1/contracts", new { productCode = new string('x', 41) })).StatusCode);
        Assert.Equal(79m, (await OrderAsync(widget, "vserver-s", consumer: true)).MonthlyNet);

        Assert.Equal(1, await _portal.DbAsync(db => db.Set<AuditEntry>().CountAsync(e => e.Action == "contract.ordered")));
    }

    [Fact]
    public async Task Notice_shows_the_end_before_it_is_given_and_is_given_once()
    {
        using var baecker = Kamp("baecker");
        var business = await OrderAsync(baecker, "vserver-m");
        var consumer = await OrderAsync(baecker, "extra-ip", consumer: true);

        var preview = await baecker.GetAsync<CancellationPreview>($"/api/v1/contracts/{business.Id}/cancellation");
        Assert.Equal((Today, Today.AddMonths(12).AddDays(-1)), (preview.NoticeGivenOn, preview.EndsOn));
        Assert.Equal("The minimum term ends on that day.", preview.Rule);
        Assert.Null(Assert.Single(await baecker.GetAsync<ContractView[]>("/api/v1/contracts"), c => c.Id == business.Id).EndsOn);

        var cancelled = await baecker.PostAsync($"/api/v1/contracts/{business.Id}/cancellation", null);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        var ended = (await cancelled.Content.ReadFromJsonAsync<ContractView>())!;
        Assert.Equal((Today, preview.EndsOn), (ended.CancelledOn!.Value, ended.EndsOn!.Value));

        var again = await baecker.PostAsync($"/api/v1/contracts/{business.Id}/cancellation", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal($"Notice was given on this contract already; it ends on {preview.EndsOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}.", (await again.ProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await baecker.GetAsync($"/api/v1/contracts/{business.Id}/cancellation")).StatusCode);

        // The consumer's contract ends with its minimum term too when notice comes this early.
        Assert.Equal((1, Today.AddMonths(12).AddDays(-1)), (consumer.NoticeMonths, (await baecker.GetAsync<CancellationPreview>($"/api/v1/contracts/{consumer.Id}/cancellation")).EndsOn));
    }

    [Fact]
    public async Task No_one_gives_notice_on_a_contract_they_do_not_hold_or_administer()
    {
        using var baecker = Kamp("baecker");
        var contract = await OrderAsync(baecker, "vserver-s");
        var path = $"/api/v1/contracts/{contract.Id}/cancellation";

        // Another reseller's admin and customer, and a customer of the same reseller's portal on another host: not found.
        Assert.Equal(HttpStatusCode.NotFound, (await Acme("acme-admin").PostAsync(path, null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Acme("widget").GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _portal.Demo().PostAsync(path, null)).StatusCode);

        // A user of the same customer who is no administrator sees the contract but gives no notice.
        using var geselle = Kamp("geselle");
        Assert.Single(await geselle.GetAsync<ContractView[]>("/api/v1/contracts"));
        Assert.Equal(HttpStatusCode.Forbidden, (await geselle.PostAsync(path, null)).StatusCode);
        Assert.Null(Assert.Single(await baecker.GetAsync<ContractView[]>("/api/v1/contracts")).EndsOn);

        // The customer's reseller may give notice for it.
        Assert.Equal(HttpStatusCode.OK, (await Kamp("kamp-admin").PostAsync(path, null)).StatusCode);
        Assert.NotNull(Assert.Single(await baecker.GetAsync<ContractView[]>("/api/v1/contracts")).EndsOn);
    }

    [Fact]
    public async Task On_the_pages_a_customer_orders_sees_the_end_before_giving_notice_and_then_the_contract_ending()
    {
        using var session = _portal.Session("kamp.localhost");
        Assert.Equal("/vms", await session.SignInAsync("baecker", "baecker-pass-1"));
        var empty = await session.Client.GetStringAsync("/admin/contracts");
        Assert.Contains("No contracts yet.", empty);
        Assert.Contains("<option value=\"vserver-l\">vServer L, 195.00 EUR a month, net</option>", empty);

        var ordered = await session.PostFormAsync("/admin/contracts", new Dictionary<string, string> { ["productCode"] = "vdc-12" }, "/admin/contracts");
        Assert.Equal(HttpStatusCode.Redirect, ordered.StatusCode);
        var list = await session.Client.GetStringAsync("/admin/contracts");
        Assert.Contains("vDataCenter 12", list);
        Assert.Contains("1990.00", list);
        var id = Assert.Single(await Kamp("baecker").GetAsync<ContractView[]>("/api/v1/contracts")).Id;

        var ends = Today.AddMonths(12).AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var confirm = await session.Client.GetStringAsync($"/admin/contracts/{id}/cancel");
        Assert.Contains($"With notice given today, {Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}, the contract ends on {ends}.", confirm);
        Assert.Null(Assert.Single(await Kamp("baecker").GetAsync<ContractView[]>("/api/v1/contracts")).EndsOn);

        var given = await session.PostFormAsync($"/admin/contracts/{id}/cancel", new Dictionary<string, string>(), $"/admin/contracts/{id}/cancel");
        Assert.Equal(HttpStatusCode.Redirect, given.StatusCode);
        Assert.Contains($"ends on {ends}", await session.Client.GetStringAsync("/admin/contracts"));

        var refused = await session.PostFormAsync("/admin/contracts", new Dictionary<string, string> { ["productCode"] = "" }, "/admin/contracts");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Choose a product from the catalogue.", await refused.Content.ReadAsStringAsync());

        // Another customer's administrator gets no confirmation page for it.
        using var widget = _portal.Session("acme.localhost");
        await widget.SignInAsync("widget", "widget-pass-1");
        Assert.Equal(HttpStatusCode.NotFound, (await widget.Client.GetAsync($"/admin/contracts/{id}/cancel")).StatusCode);
    }
}
