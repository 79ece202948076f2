using System.Net;
using System.Net.Http.Json;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Billing.Features;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Portal.Tests.Billing;

/// <summary>
/// Plans provisioned as they are ordered (the customer's vDataCenter grows by each plan from its first day and shrinks
/// after its last), upgrades to a larger
/// plan from a day with the minimum term kept, the credit for days invoiced at the old price, and every way to upgrade
/// what one may not.
/// </summary>
public sealed class ContractUpgradeTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string> { ["Billing:MonthlyRun"] = "false" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private HttpClient Kamp(string user) => _portal.ApiClient(user, $"{user}-pass-1", "kamp.localhost");

    private HttpClient Acme(string user) => _portal.ApiClient(user, $"{user}-pass-1", "acme.localhost");

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private static async Task<ContractView> OrderAsync(HttpClient client, string product)
    {
        var response = await client.PostAsJsonAsync("/api/v1/contracts", new { productCode = product });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ContractView>(Api.Json))!;
    }

    private static async Task<(int? Cores, int? MemoryGiB, int? DiskGiB)> CapacityAsync(HttpClient client)
    {
        var capacity = await client.GetAsync<VdcCapacityView>("/api/v1/capacity");
        return (capacity.Cores.Limit, capacity.MemoryGiB.Limit, capacity.DiskGiB.Limit);
    }

    private static async Task<HttpResponseMessage> UpgradeAsync(HttpClient client, Guid contract, object body) =>
        await client.PostAsJsonAsync($"/api/v1/contracts/{contract}/upgrade", body);

    private static async Task<string> FieldOfAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return Assert.Single((await response.ProblemAsync()).GetProperty("errors").EnumerateObject()).Name;
    }

    [Fact]
    public async Task Ordering_a_plan_grows_the_vdatacenter_by_it_at_once_and_a_limit_left_open_stays_open()
    {
        // Bäckerei Kamp's reseller gave it 8 cores, 16 GiB and 500 GiB.
        using var baecker = Kamp("baecker");
        Assert.Equal((8, 16, 500), await CapacityAsync(baecker));

        var m = await OrderAsync(baecker, "vserver-m");
        Assert.Equal(("vserver", 2, 4, 100), (m.Kind, m.Cores, m.MemoryGiB, m.DiskGiB));
        Assert.Equal((10, 20, 600), await CapacityAsync(baecker));

        // An add-on adds no cores, RAM or disk; a vDataCenter plan adds its own.
        await OrderAsync(baecker, "failover");
        Assert.Equal((10, 20, 600), await CapacityAsync(baecker));
        await OrderAsync(baecker, "vdc-12");
        Assert.Equal((22, 68, 900), await CapacityAsync(baecker));

        // What the plans give is what the customer can use: a VM beyond it is refused, on the field, with the numbers.
        var tooBig = await baecker.PostAsJsonAsync("/api/v1/vms", new { name = "too-big", vCpus = 1, memoryGiB = 1, diskGiB = 1000, isoName = "debian-12.8.0-amd64-netinst" });
        Assert.Equal(HttpStatusCode.BadRequest, tooBig.StatusCode);
        Assert.Contains("900 GiB of disk storage", (await tooBig.ProblemAsync()).GetProperty("errors").GetProperty("diskGiB")[0].GetString());

        // Its reseller sees the capacity on the customer, and the audit says who ordered it and why it changed.
        var customer = await Kamp("kamp-admin").GetAsync<CustomerView>($"/api/v1/customers/{DemoTenants.KampCustomerId}");
        Assert.Equal(new CustomerCapacity(22, 68, 900), customer.Capacity);
        var audit = await _portal.DbAsync(db => db.Set<AuditEntry>().Where(e => e.Action == "customer.capacity").OrderBy(e => e.At).ToListAsync());
        Assert.Equal(2, audit.Count);
        Assert.All(audit, e => Assert.Equal("baecker", e.Actor));
        Assert.Contains("as contracted", audit[^1].Detail);

        // A customer whose reseller leaves its vDataCenter open keeps it open.
        using var demo = _portal.Demo();
        using var op = _portal.ApiClient("operator", "operator-pass-1");
        Assert.Equal(HttpStatusCode.OK, (await op.PutAsJsonAsync($"/api/v1/customers/{DemoTenants.DemoCustomerId}/capacity", new { cores = (int?)null })).StatusCode);
        Assert.Equal((null, null, null), await CapacityAsync(demo));
        await OrderAsync(demo, "vserver-l");
        Assert.Equal((null, null, null), await CapacityAsync(demo));

        // Settling again, as the hourly round does, adds nothing twice.
        Assert.Equal(0, await _portal.Services.GetRequiredService<ContractDays>().RunAsync(CancellationToken.None));
        Assert.Equal((22, 68, 900), await CapacityAsync(baecker));
    }

    [Fact]
    public async Task An_upgrade_replaces_the_plan_from_a_day_keeps_the_minimum_term_and_grows_the_vdatacenter_on_that_day()
    {
        using var baecker = Kamp("baecker");
        var small = await OrderAsync(baecker, "vserver-s");

        // Ordered two months ago: the minimum term the upgrade keeps ends ten months from now.
        var started = Today.AddMonths(-2);
        await _portal.DbAsync(db => db.Set<Contract>().Where(c => c.Id == small.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.StartsOn, started)));
        var options = await baecker.GetAsync<UpgradeOptions>($"/api/v1/contracts/{small.Id}/upgrade");
        Assert.Equal(["vserver-m", "vserver-l"], options.Plans.Select(p => p.Code));
        Assert.Equal((55m, 120m), (options.Plans[0].MonthlyDifference, options.Plans[1].MonthlyDifference));
        Assert.Equal((Today, Today.AddDays(365)), (options.EarliestFrom, options.LatestFrom));

        var response = await UpgradeAsync(baecker, small.Id, new { productCode = "vserver-m" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var medium = (await response.Content.ReadFromJsonAsync<ContractView>(Api.Json))!;
        Assert.Equal(("vserver-m", 130m, Today, started.AddMonths(12).AddDays(-1), small.Id), (medium.ProductCode, medium.MonthlyNet, medium.StartsOn, medium.MinimumTermEndsOn, medium.ReplacesId));
        var contracts = await baecker.GetAsync<ContractView[]>("/api/v1/contracts");
        var replaced = contracts.Single(c => c.Id == small.Id);
        Assert.Equal((Today.AddDays(-1), medium.Id, Today), (replaced.EndsOn, replaced.ReplacedById, replaced.CancelledOn));
        Assert.Equal((10, 20, 600), await CapacityAsync(baecker));

        // The replaced contract is done with: no second upgrade, no notice on it.
        Assert.Equal(HttpStatusCode.Conflict, (await UpgradeAsync(baecker, small.Id, new { productCode = "vserver-l" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await baecker.GetAsync($"/api/v1/contracts/{small.Id}/cancellation")).StatusCode);

        // The next upgrade from tomorrow leaves today's vDataCenter alone; on its day the daily round grows it.
        var tomorrow = Today.AddDays(1);
        response = await UpgradeAsync(baecker, medium.Id, new { productCode = "vserver-l", from = tomorrow });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var large = (await response.Content.ReadFromJsonAsync<ContractView>(Api.Json))!;
        Assert.Equal((tomorrow, started.AddMonths(12).AddDays(-1)), (large.StartsOn, large.MinimumTermEndsOn));
        Assert.Equal((10, 20, 600), await CapacityAsync(baecker));
        Assert.Equal(0, await _portal.Services.GetRequiredService<ContractDays>().RunAsync(CancellationToken.None));
        Assert.Equal((10, 20, 600), await CapacityAsync(baecker));

        // The day comes (the contracts are moved a day back).
        await _portal.DbAsync(async db =>
        {
            await db.Set<Contract>().Where(c => c.Id == large.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.StartsOn, Today));
            return await db.Set<Contract>().Where(c => c.Id == medium.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.EndsOn, Today.AddDays(-1)));
        });
        Assert.Equal(1, await _portal.Services.GetRequiredService<ContractDays>().RunAsync(CancellationToken.None));
        Assert.Equal((12, 24, 650), await CapacityAsync(baecker));
        Assert.Equal(0, await _portal.Services.GetRequiredService<ContractDays>().RunAsync(CancellationToken.None));
        Assert.Equal((12, 24, 650), await CapacityAsync(baecker));

        var upgraded = await _portal.DbAsync(db => db.Set<AuditEntry>().Where(e => e.Action == "contract.upgraded").Select(e => e.Actor).ToListAsync());
        Assert.Equal(["baecker", "baecker"], upgraded);

        // The largest plan has nothing larger.
        Assert.Empty((await baecker.GetAsync<UpgradeOptions>($"/api/v1/contracts/{large.Id}/upgrade")).Plans);
    }

    [Fact]
    public async Task Only_the_customers_administrators_upgrade_and_only_to_a_larger_plan_on_a_day_from_today()
    {
        using var baecker = Kamp("baecker");
        var small = await OrderAsync(baecker, "vserver-s");
        var addOn = await OrderAsync(baecker, "failover");

        // Someone else's contract is not found, whatever the body says; the reseller's staff and the customer's other
        // users see it and may not upgrade it.
        foreach (var stranger in new[] { Acme("widget"), Acme("acme-admin"), _portal.Demo() })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await UpgradeAsync(stranger, small.Id, new { productCode = "vserver-m" })).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await UpgradeAsync(stranger, small.Id, new { productCode = "", from = "1999-01-01" })).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/contracts/{small.Id}/upgrade")).StatusCode);
        }

        foreach (var staff in new[] { Kamp("kamp-admin"), Kamp("geselle"), _portal.ApiClient("operator", "operator-pass-1") })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await UpgradeAsync(staff, small.Id, new { productCode = "vserver-m" })).StatusCode);
        }

        Assert.Equal("productCode", await FieldOfAsync(await UpgradeAsync(baecker, small.Id, new { productCode = " " })));
        Assert.Equal("productCode", await FieldOfAsync(await UpgradeAsync(baecker, small.Id, new { productCode = new string('m', 41) })));
        Assert.Equal("from", await FieldOfAsync(await UpgradeAsync(baecker, small.Id, new { productCode = "vserver-m", from = Today.AddDays(-1) })));
        Assert.Equal("from", await FieldOfAsync(await UpgradeAsync(baecker, small.Id, new { productCode = "vserver-m", from = Today.AddDays(366) })));

        // Not larger: the same plan, an add-on, a vDataCenter for a vServer. Not offered at all: not found.
        Assert.Equal("productCode", await FieldOfAsync(await UpgradeAsync(baecker, small.Id, new { productCode = "vserver-s" })));
        Assert.Equal("productCode", await FieldOfAsync(await UpgradeAsync(baecker, small.Id, new { productCode = "extra-ip" })));
        Assert.Equal("productCode", await FieldOfAsync(await UpgradeAsync(baecker, small.Id, new { productCode = "vdc-12" })));
        Assert.Equal(HttpStatusCode.NotFound, (await UpgradeAsync(baecker, small.Id, new { productCode = "no-such-plan" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await baecker.PostAsync($"/api/v1/contracts/{small.Id}/upgrade", new StringContent("""{"productCode":"vserver-m","from":"31.12.2026"}""", System.Text.Encoding.UTF8, "application/json"))).StatusCode);

        // An add-on is not upgraded; Acme does not offer the large vServer to its customers.
        Assert.Equal(HttpStatusCode.Conflict, (await UpgradeAsync(baecker, addOn.Id, new { productCode = "vserver-m" })).StatusCode);
        using var widget = Acme("widget");
        var acmeSmall = await OrderAsync(widget, "vserver-s");
        Assert.Equal(HttpStatusCode.NotFound, (await UpgradeAsync(widget, acmeSmall.Id, new { productCode = "vserver-l" })).StatusCode);

        // A suspended customer orders nothing larger either.
        Assert.Equal(HttpStatusCode.OK, (await Kamp("kamp-admin").PutAsJsonAsync($"/api/v1/customers/{DemoTenants.KampCustomerId}/suspension", new { reason = "Unpaid." })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await UpgradeAsync(baecker, small.Id, new { productCode = "vserver-m" })).StatusCode);

        Assert.Equal(2, await _portal.DbAsync(db => db.Set<Contract>().CountAsync(c => c.CustomerId == DemoTenants.KampCustomerId)));
        Assert.Null((await baecker.GetAsync<ContractView[]>("/api/v1/contracts")).Single(c => c.Id == small.Id).EndsOn);
    }

    [Fact]
    public async Task On_the_pages_a_customer_chooses_the_larger_plan_and_its_day_sees_a_refusal_on_the_field_and_the_plan_replaced()
    {
        using var session = _portal.Session("kamp.localhost");
        Assert.Equal("/vms", await session.SignInAsync("baecker", "baecker-pass-1"));
        Assert.Equal(HttpStatusCode.Redirect, (await session.PostFormAsync("/admin/contracts", new Dictionary<string, string> { ["productCode"] = "vserver-s" }, "/admin/contracts")).StatusCode);
        var id = Assert.Single(await Kamp("baecker").GetAsync<ContractView[]>("/api/v1/contracts")).Id;
        var list = await session.Client.GetStringAsync("/admin/contracts");
        Assert.Contains($"href=\"/admin/contracts/{id}/upgrade\"", list);
        Assert.Contains("1 / 1 / 50", list);

        var form = await session.Client.GetStringAsync($"/admin/contracts/{id}/upgrade");
        Assert.Contains("vServer M: 130.00 EUR a month, net (55.00 more)", form);
        Assert.Contains("value=\"vserver-m\" checked", form);

        var path = $"/admin/contracts/{id}/upgrade";
        var past = await session.PostFormAsync(path, new Dictionary<string, string> { ["productCode"] = "vserver-l", ["from"] = "2020-01-01" }, path);
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        var refused = await past.Content.ReadAsStringAsync();
        Assert.Contains("id=\"from-error\"", refused);
        Assert.Contains("An upgrade starts today or later.", refused);
        Assert.Contains("value=\"2020-01-01\"", refused);
        Assert.Contains("value=\"vserver-l\" checked", refused);
        var garbled = await session.PostFormAsync(path, new Dictionary<string, string> { ["productCode"] = "vserver-l", ["from"] = "<b>morgen</b>" }, path);
        Assert.Equal(HttpStatusCode.BadRequest, garbled.StatusCode);
        var garbledHtml = await garbled.Content.ReadAsStringAsync();
        Assert.Contains("Give the day as yyyy-MM-dd.", garbledHtml);
        Assert.DoesNotContain("<b>morgen</b>", garbledHtml);

        var done = await session.PostFormAsync(path, new Dictionary<string, string> { ["productCode"] = "vserver-l", ["from"] = Today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) }, path);
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        list = await session.Client.GetStringAsync("/admin/contracts");
        Assert.Contains("upgraded after", list);
        Assert.Contains("4 / 8 / 150", list);
        Assert.DoesNotContain($"href=\"/admin/contracts/{id}/upgrade\"", list);

        // Another customer's administrator gets no upgrade page for it.
        using var widget = _portal.Session("acme.localhost");
        await widget.SignInAsync("widget", "widget-pass-1");
        Assert.Equal(HttpStatusCode.NotFound, (await widget.Client.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task Days_invoiced_at_the_old_price_after_an_upgrade_are_credited_once_on_the_next_invoice()
    {
        // vServer S since January, invoiced for February in advance; on 15 February vServer M replaces it.
        var small = await PlanAsync("vserver-s", "vServer S", 7500, 5250, new DateOnly(2025, 1, 1));
        using var op = _portal.ApiClient("operator", "operator-pass-1");
        Assert.Equal(HttpStatusCode.OK, (await op.PostAsJsonAsync("/api/v1/invoices/run", new { period = "2025-02" })).StatusCode);
        var medium = await PlanAsync("vserver-m", "vServer M", 13000, 9100, new DateOnly(2025, 2, 15), replaces: small);

        Assert.Equal(HttpStatusCode.OK, (await op.PostAsJsonAsync("/api/v1/invoices/run", new { period = "2025-03" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await op.PostAsJsonAsync("/api/v1/invoices/run", new { period = "2025-03" })).StatusCode);
        var march = await _portal.DbAsync(db => db.Set<Invoice>().Include(i => i.Lines)
            .SingleAsync(i => i.RecipientId == DemoTenants.KampCustomerId && i.PeriodStart == new DateOnly(2025, 3, 1)));
        var lines = march.Lines.OrderBy(l => l.Position).Select(l => (l.ContractId, l.From, l.To, l.NetCents)).ToList();
        Assert.Equal(
            [
                (medium, new DateOnly(2025, 2, 15), new DateOnly(2025, 2, 28), 6500L),
                (medium, new DateOnly(2025, 3, 1), new DateOnly(2025, 3, 31), 13000L),
                (small, new DateOnly(2025, 2, 15), new DateOnly(2025, 2, 28), -3750L),
            ],
            lines);
        Assert.Matches("^vServer S — (credit: not charged after 2025-02-14|Erstattung: nach dem 14.02.2025 nicht mehr berechnet)$", march.Lines.Single(l => l.NetCents < 0).Description);
        Assert.Equal(6500 + 13000 - 3750, march.NetCents);

        // The operator's wholesale invoice to Kamp credits the wholesale price the same way.
        var wholesale = await _portal.DbAsync(db => db.Set<Invoice>().Include(i => i.Lines)
            .SingleAsync(i => i.RecipientId == DemoTenants.KampId && i.CustomerId == Guid.Empty && i.PeriodStart == new DateOnly(2025, 3, 1)));
        Assert.Equal(-2625L, wholesale.Lines.Single(l => l.ContractId == small).NetCents);

        // The electronic invoice keeps prices positive (BR-27): the credit is quantity -1, and the lines add up.
        using var kampAdmin = Kamp("kamp-admin");
        var xml = XDocument.Parse(await kampAdmin.GetStringAsync($"/api/v1/invoices/{march.Id}/xrechnung"));
        XNamespace cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
        Assert.All(xml.Descendants(cbc + "PriceAmount"), p => Assert.DoesNotContain("-", p.Value));
        Assert.Equal(["1", "1", "-1"], xml.Descendants(cbc + "InvoicedQuantity").Select(q => q.Value));
        Assert.Equal(
            xml.Descendants(cbc + "LineExtensionAmount").Where(e => e.Parent!.Name.LocalName == "InvoiceLine").Sum(e => decimal.Parse(e.Value, System.Globalization.CultureInfo.InvariantCulture)),
            decimal.Parse(xml.Descendants(cbc + "TaxExclusiveAmount").Single().Value, System.Globalization.CultureInfo.InvariantCulture));

        // Cancelled and issued again, the new invoice credits the days again — once.
        Assert.Equal(HttpStatusCode.OK, (await kampAdmin.PostAsync($"/api/v1/invoices/{march.Id}/cancellation", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await op.PostAsJsonAsync("/api/v1/invoices/run", new { period = "2025-03" })).StatusCode);
        var again = await _portal.DbAsync(db => db.Set<InvoiceLine>().CountAsync(l => l.ContractId == small && l.NetCents < 0 && !db.Set<Invoice>().Any(c => c.CancelsId == l.InvoiceId)
            && db.Set<Invoice>().Any(i => i.Id == l.InvoiceId && i.CustomerId != Guid.Empty && i.Kind == Invoice.Regular)));
        Assert.Equal(1, again);
    }

    [Fact]
    public async Task A_plan_ordered_after_its_month_was_invoiced_and_upgraded_in_that_month_has_both_plans_days_on_the_next_invoice()
    {
        // February was invoiced before vServer S was ordered on the 10th; vServer M replaced it on the 20th.
        using var op = _portal.ApiClient("operator", "operator-pass-1");
        Assert.Equal(HttpStatusCode.OK, (await op.PostAsJsonAsync("/api/v1/invoices/run", new { period = "2025-02" })).StatusCode);
        var small = await PlanAsync("vserver-s", "vServer S", 7500, 5250, new DateOnly(2025, 2, 10));
        var medium = await PlanAsync("vserver-m", "vServer M", 13000, 9100, new DateOnly(2025, 2, 20), replaces: small);

        Assert.Equal(HttpStatusCode.OK, (await op.PostAsJsonAsync("/api/v1/invoices/run", new { period = "2025-03" })).StatusCode);
        var march = await _portal.DbAsync(db => db.Set<Invoice>().Include(i => i.Lines)
            .SingleAsync(i => i.RecipientId == DemoTenants.KampCustomerId && i.PeriodStart == new DateOnly(2025, 3, 1)));
        Assert.Equal(
            [
                (small, new DateOnly(2025, 2, 10), new DateOnly(2025, 2, 19), 2679L),
                (medium, new DateOnly(2025, 2, 20), new DateOnly(2025, 2, 28), 4179L),
                (medium, new DateOnly(2025, 3, 1), new DateOnly(2025, 3, 31), 13000L),
            ],
            march.Lines.OrderBy(l => l.From).ThenBy(l => l.Position).Select(l => (l.ContractId, l.From, l.To, l.NetCents)));

        // April has only the larger plan.
        Assert.Equal(HttpStatusCode.OK, (await op.PostAsJsonAsync("/api/v1/invoices/run", new { period = "2025-04" })).StatusCode);
        var april = await _portal.DbAsync(db => db.Set<InvoiceLine>().Where(l => l.ContractId == small || l.ContractId == medium)
            .Where(l => l.From >= new DateOnly(2025, 4, 1)).Select(l => l.ContractId).ToListAsync());
        Assert.Equal([medium, medium], april); // retail and wholesale
    }

    private Task<Guid> PlanAsync(string code, string name, long retail, long wholesale, DateOnly starts, Guid? replaces = null) =>
        _portal.DbAsync(async db =>
        {
            var contract = new Contract
            {
                Id = Guid.NewGuid(),
                ResellerId = DemoTenants.KampId,
                CustomerId = DemoTenants.KampCustomerId,
                ProductCode = code,
                ProductName = name,
                Kind = ProductKinds.VServer,
                MonthlyNetCents = retail,
                WholesaleCents = wholesale,
                StartsOn = starts,
                TermStartsOn = replaces is null ? null : new DateOnly(2025, 1, 1),
                NoticeMonths = 3,
                ReplacesId = replaces,
                Provisioned = true,
                Released = true,
                CreatedAt = DateTimeOffset.UtcNow,
                CreatedBy = "test",
            };
            db.Add(contract);
            if (replaces is { } old)
            {
                var replaced = await db.Set<Contract>().SingleAsync(c => c.Id == old);
                (replaced.EndsOn, replaced.CancelledOn, replaced.ReplacedById) = (starts.AddDays(-1), starts, contract.Id);
            }

            await db.SaveChangesAsync();
            return contract.Id;
        });
}
