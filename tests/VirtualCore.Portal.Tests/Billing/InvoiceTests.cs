using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Billing.Features;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Portal.Tests.Billing;

/// <summary>One portal for the invoice tests; each test invoices a month of its own (in 2025, before the month the tests run in) with contracts bounded to it.</summary>
public sealed class InvoicePortal : IAsyncLifetime
{
    public PortalFixture Portal { get; } = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Portal.DisposeAsync();
}

/// <summary>
/// The monthly run: each reseller invoices its customers and the operator the resellers, prorated by day, with VAT by
/// where the recipient is; numbers gap-free per issuer however often and on how many instances it runs; cancellation
/// invoices; billing details checked field by field; and every way to see or cancel someone else's invoice.
/// </summary>
public sealed class InvoiceTests(InvoicePortal fixture) : IClassFixture<InvoicePortal>
{
    private readonly PortalFixture _portal = fixture.Portal;

    private HttpClient Operator() => _portal.ApiClient("operator", "operator-pass-1");

    private HttpClient Kamp(string user) => _portal.ApiClient(user, $"{user}-pass-1", "kamp.localhost");

    private HttpClient Acme(string user) => _portal.ApiClient(user, $"{user}-pass-1", "acme.localhost");

    private Task<Guid> ContractAsync(Guid reseller, Guid customer, string product, long retail, long wholesale, string starts, string ends) =>
        BillingTestData.ContractAsync(_portal, reseller, customer, retail, wholesale, DateOnly.Parse(starts), DateOnly.Parse(ends), product);

    private async Task<InvoiceRunResult> RunAsync(string period)
    {
        var response = await Operator().PostAsJsonAsync("/api/v1/invoices/run", new { period });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<InvoiceRunResult>())!;
    }

    private static async Task<InvoiceView[]> InvoicesAsync(HttpClient client, string period) => await client.GetAsync<InvoiceView[]>($"/api/v1/invoices?period={period}");

    /// <summary>Every issuer's numbers of a year are 1, 2, 3, … with none left out and none twice.</summary>
    private async Task AssertNumbersGapFreeAsync()
    {
        var numbers = await _portal.DbAsync(db => db.Set<Invoice>().Where(i => i.Status == Invoice.Final).Select(i => new { i.IssuerId, i.Number }).ToListAsync());
        foreach (var issuer in numbers.GroupBy(n => (n.IssuerId, Year: n.Number![..4])))
        {
            var sequence = issuer.Select(n => int.Parse(n.Number![5..], System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
            Assert.Equal(Enumerable.Range(1, sequence.Count), sequence);
        }

        var series = await _portal.DbAsync(db => db.Set<InvoiceSeries>().ToListAsync());
        Assert.All(series, s => Assert.Equal(s.Last, numbers.Count(n => n.IssuerId == s.IssuerId && n.Number!.StartsWith($"{s.Year}-", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task The_run_invoices_each_customer_and_each_reseller_for_the_month_by_the_day_with_vat_by_where_the_recipient_is()
    {
        await ContractAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, "vserver-s", 7500, 5250, "2024-01-01", "2025-03-31");
        await ContractAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, "vserver-m", 13000, 9100, "2025-03-11", "2025-03-31");
        await ContractAsync(DemoTenants.ProviderId, DemoTenants.DemoCustomerId, "vdc-12", 199000, 140000, "2024-06-01", "2025-03-15");
        await ContractAsync(DemoTenants.ProviderId, DemoTenants.OtherCustomerId, "vserver-s", 7500, 5250, "2024-01-01", "2025-03-31");
        await ContractAsync(DemoTenants.AcmeId, DemoTenants.AcmeCustomerId, "vserver-m", 13900, 9100, "2024-01-01", "2025-03-31");

        var run = await RunAsync("2025-03");
        Assert.Equal(("2025-03", 6, 6, 0), (run.Period, run.Created, run.Issued, run.AlreadyInvoiced));
        Assert.Empty(run.Skipped);

        // The bakery: its whole vServer S and 21 of 31 days of its vServer M, 19 % VAT; it sees only its own invoice.
        using var baecker = Kamp("baecker");
        var bakery = Assert.Single(await InvoicesAsync(baecker, "2025-03"));
        var lines = (await baecker.GetAsync<InvoiceView>($"/api/v1/invoices/{bakery.Id}")).Lines;
        Assert.Equal(new[] { ("vserver s", 31, 75.00m, 75.00m), ("vserver m", 21, 130.00m, 88.06m) }, lines.Select(l => (l.Description, l.Days, l.MonthlyNet, l.Net)));
        Assert.Equal((163.06m, 30.98m, 194.04m, 19m, VatTreatments.Standard, ""), (bakery.Net, bakery.Vat, bakery.Gross, bakery.VatRate, bakery.VatTreatment, bakery.Note));
        Assert.Equal(("Kamp Hosting GmbH", "48155", "DE987654321"), (bakery.Issuer.LegalName, bakery.Issuer.PostalCode, bakery.Issuer.VatId));
        Assert.Equal(("Bäckerei Kamp KG", "Münster", "final", new DateOnly(2025, 3, 1), new DateOnly(2025, 3, 31)), (bakery.Recipient.LegalName, bakery.Recipient.City, bakery.Status, bakery.PeriodStart, bakery.PeriodEnd));
        Assert.Equal(DateOnly.FromDateTime(DateTime.UtcNow), bakery.IssuedOn);

        // The operator to Kamp: the wholesale prices of the same days, naming the customer; Kamp sees what it issued and received.
        using var kampAdmin = Kamp("kamp-admin");
        var kamps = await InvoicesAsync(kampAdmin, "2025-03");
        Assert.Equal(2, kamps.Length);
        var wholesale = Assert.Single(kamps, i => i.Wholesale);
        Assert.Equal(("VirtualCore Demo GmbH", "Kamp Hosting GmbH", 52.50m + 61.65m, 21.69m), (wholesale.Issuer.LegalName, wholesale.Recipient.LegalName, wholesale.Net, wholesale.Vat));
        Assert.All((await kampAdmin.GetAsync<InvoiceView>($"/api/v1/invoices/{wholesale.Id}")).Lines, l => Assert.EndsWith("— Bäckerei Kamp KG", l.Description, StringComparison.Ordinal));

        // Reverse charge for the Austrian business, half a month of the vDataCenter, § 19 for Acme's invoices, German VAT on Acme's wholesale.
        var provider = await InvoicesAsync(Operator(), "2025-03");
        var other = Assert.Single(provider, i => i.Recipient.LegalName == "Other AG");
        Assert.Equal((VatTreatments.ReverseCharge, 0m, 75m, 75m), (other.VatTreatment, other.Vat, other.Net, other.Gross));
        Assert.Contains("Reverse charge", other.Note, StringComparison.Ordinal);
        var demo = Assert.Single(provider, i => i.Recipient.LegalName == "Demo GmbH");
        Assert.Equal((962.90m, 182.95m, 1145.85m), (demo.Net, demo.Vat, demo.Gross));
        var widgets = Assert.Single(await InvoicesAsync(Acme("widget"), "2025-03"));
        Assert.Equal((VatTreatments.SmallBusiness, 139m, 0m, 139m), (widgets.VatTreatment, widgets.Net, widgets.Vat, widgets.Gross));
        Assert.Contains("§ 19 UStG", widgets.Note, StringComparison.Ordinal);
        var acmeWholesale = Assert.Single(await InvoicesAsync(Acme("acme-admin"), "2025-03"), i => i.Wholesale);
        Assert.Equal((VatTreatments.Standard, 91m, 17.29m), (acmeWholesale.VatTreatment, acmeWholesale.Net, acmeWholesale.Vat));

        // Nobody sees another's: the operator does not list Kamp's invoice to its customer, nor Acme's staff Kamp's.
        Assert.DoesNotContain(provider, i => i.Id == bakery.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await Acme("acme-admin").GetAsync($"/api/v1/invoices/{bakery.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Acme("widget").GetAsync($"/api/v1/invoices/{bakery.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await baecker.GetAsync($"/api/v1/invoices/{wholesale.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Kamp("geselle").GetAsync("/api/v1/invoices")).StatusCode);

        // Run again: nothing new, nothing renumbered.
        var again = await RunAsync("2025-03");
        Assert.Equal((0, 0, 6), (again.Created, again.Issued, again.AlreadyInvoiced));
        Assert.Equal(bakery.Number, Assert.Single(await InvoicesAsync(baecker, "2025-03")).Number);
        await AssertNumbersGapFreeAsync();
    }

    [Fact]
    public async Task Two_runs_at_once_add_each_invoice_once_and_drafts_an_interrupted_run_left_are_numbered_by_the_next()
    {
        var customers = new[] { DemoTenants.DemoCustomerId, DemoTenants.OtherCustomerId };
        foreach (var customer in customers)
        {
            for (var i = 0; i < 30; i++)
            {
                await ContractAsync(DemoTenants.ProviderId, customer, "vserver-s", 7500, 5250, "2025-05-01", "2025-05-31");
            }
        }

        await ContractAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, "vserver-s", 7500, 5250, "2025-05-01", "2025-05-31");

        // An interrupted run: the bakery's invoice added as a draft, never numbered.
        var draftId = Guid.NewGuid();
        await _portal.DbAsync(async db =>
        {
            db.Add(new Invoice
            {
                Id = draftId,
                IssuerId = DemoTenants.KampId,
                ResellerId = DemoTenants.KampId,
                CustomerId = DemoTenants.KampCustomerId,
                RecipientId = DemoTenants.KampCustomerId,
                PeriodStart = new DateOnly(2025, 5, 1),
                PeriodEnd = new DateOnly(2025, 5, 31),
                IssuerName = "Kamp Hosting GmbH",
                RecipientName = "Bäckerei Kamp KG",
                NetCents = 7500,
                VatCents = 1425,
                GrossCents = 8925,
                VatRateBasisPoints = 1900,
                CreatedAt = DateTimeOffset.UtcNow,
            });
            return await db.SaveChangesAsync();
        });
        Assert.Empty(await InvoicesAsync(Kamp("baecker"), "2025-05"));

        var run = _portal.Services.GetRequiredService<InvoiceRun>();
        var month = new DateOnly(2025, 5, 1);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => run.RunAsync(month, CancellationToken.None))));

        // Demo GmbH, Other AG and the wholesale invoice to Kamp were added once; the draft was numbered, not added again.
        Assert.Equal(3, results.Sum(r => r.Created));
        Assert.Equal(4, results.Sum(r => r.Issued));
        var invoices = await _portal.DbAsync(db => db.Set<Invoice>().Where(i => i.PeriodStart == month).ToListAsync());
        Assert.Equal(4, invoices.Count);
        Assert.All(invoices, i => Assert.Equal(Invoice.Final, i.Status));
        Assert.Equal(draftId, Assert.Single(await InvoicesAsync(Kamp("baecker"), "2025-05")).Id);
        Assert.Equal(30, (await Operator().GetAsync<InvoiceView>($"/api/v1/invoices/{invoices.Single(i => i.RecipientId == DemoTenants.DemoCustomerId).Id}")).Lines.Count);
        await AssertNumbersGapFreeAsync();
    }

    [Fact]
    public async Task An_issuer_cancels_an_invoice_with_a_cancellation_invoice_and_the_next_run_invoices_the_month_anew()
    {
        await ContractAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, "vserver-l", 19500, 13650, "2025-07-01", "2025-07-31");
        await RunAsync("2025-07");
        using var kampAdmin = Kamp("kamp-admin");
        var invoices = await InvoicesAsync(kampAdmin, "2025-07");
        var bakery = Assert.Single(invoices, i => !i.Wholesale);
        var wholesale = Assert.Single(invoices, i => i.Wholesale);
        var before = await _portal.DbAsync(db => db.Set<Invoice>().AsNoTracking().SingleAsync(i => i.Id == bakery.Id));

        // Only the issuer: not the customer, not the recipient of a wholesale invoice, not another reseller.
        Assert.Equal(HttpStatusCode.Forbidden, (await Kamp("baecker").PostAsync($"/api/v1/invoices/{bakery.Id}/cancellation", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await kampAdmin.PostAsync($"/api/v1/invoices/{wholesale.Id}/cancellation", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Acme("acme-admin").PostAsync($"/api/v1/invoices/{bakery.Id}/cancellation", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Operator().PostAsync($"/api/v1/invoices/{bakery.Id}/cancellation", null)).StatusCode);

        var response = await kampAdmin.PostAsync($"/api/v1/invoices/{bakery.Id}/cancellation", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cancellation = (await response.Content.ReadFromJsonAsync<InvoiceView>())!;
        Assert.Equal(("cancellation", "final", bakery.Number, -195m, -37.05m, -232.05m), (cancellation.Kind, cancellation.Status, cancellation.Cancels, cancellation.Net, cancellation.Vat, cancellation.Gross));
        Assert.Equal(-195m, Assert.Single(cancellation.Lines).Net);
        Assert.NotEqual(bakery.Number, cancellation.Number);
        Assert.Equal(HttpStatusCode.Conflict, (await kampAdmin.PostAsync($"/api/v1/invoices/{bakery.Id}/cancellation", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await kampAdmin.PostAsync($"/api/v1/invoices/{cancellation.Id}/cancellation", null)).StatusCode);

        // The original is as it was, now shown as cancelled; the customer sees both.
        var after = await _portal.DbAsync(db => db.Set<Invoice>().AsNoTracking().SingleAsync(i => i.Id == bakery.Id));
        Assert.Equivalent(before, after);
        Assert.Equal(cancellation.Number, (await Kamp("baecker").GetAsync<InvoiceView>($"/api/v1/invoices/{bakery.Id}")).CancelledBy);
        Assert.Equal(2, (await InvoicesAsync(Kamp("baecker"), "2025-07")).Length);

        // The next run issues the month's invoice anew, with the next number; the wholesale invoice stands.
        var rerun = await RunAsync("2025-07");
        Assert.Equal((1, 1), (rerun.Created, rerun.Issued));
        var fresh = Assert.Single(await InvoicesAsync(Kamp("baecker"), "2025-07"), i => i.Kind == "invoice" && i.CancelledBy is null);
        Assert.Equal(195m, fresh.Net);
        Assert.NotEqual(bakery.Id, fresh.Id);
        await AssertNumbersGapFreeAsync();
    }

    [Fact]
    public async Task A_contract_ordered_after_its_month_was_invoiced_comes_on_the_next_months_invoice()
    {
        await ContractAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, "vserver-s", 7500, 5250, "2025-09-01", "2025-10-31");
        await RunAsync("2025-09");
        await ContractAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, "vserver-m", 13000, 9100, "2025-09-21", "2025-10-31");
        var repeated = await RunAsync("2025-09");
        Assert.Equal((0, 2), (repeated.Created, repeated.AlreadyInvoiced));

        await RunAsync("2025-10");
        using var baecker = Kamp("baecker");
        var october = Assert.Single(await InvoicesAsync(baecker, "2025-10"));
        var lines = (await baecker.GetAsync<InvoiceView>($"/api/v1/invoices/{october.Id}")).Lines;
        Assert.Equal(
            new[] { ("vserver m", new DateOnly(2025, 9, 21), 43.33m), ("vserver m", new DateOnly(2025, 10, 1), 130m), ("vserver s", new DateOnly(2025, 10, 1), 75m) },
            lines.Select(l => (l.Description, l.From, l.Net)).OrderBy(l => l.Description).ThenBy(l => l.From));

        // The reseller's wholesale invoice catches up the same days.
        var wholesale = Assert.Single(await InvoicesAsync(Kamp("kamp-admin"), "2025-10"), i => i.Wholesale);
        Assert.Equal(52.50m + 30.33m + 91m, wholesale.Net);
    }

    [Fact]
    public async Task Days_that_came_on_a_later_months_invoice_are_not_invoiced_again_when_their_own_month_runs_late()
    {
        var late = await ContractAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, "vserver-late", 6000, 4200, "2024-04-21", "2024-05-31");
        await RunAsync("2024-05");
        using var baecker = Kamp("baecker");
        var may = await baecker.GetAsync<InvoiceView>($"/api/v1/invoices/{Assert.Single(await InvoicesAsync(baecker, "2024-05")).Id}");
        Assert.Equal(
            new[] { (new DateOnly(2024, 4, 21), 10, 20.00m), (new DateOnly(2024, 5, 1), 31, 60.00m) },
            may.Lines.Where(l => l.ContractId == late).Select(l => (l.From, l.Days, l.Net)));

        // April is run afterwards: its last ten days are on May's invoices already, to the customer and to the reseller.
        await RunAsync("2024-04");
        using var kampAdmin = Kamp("kamp-admin");
        foreach (var invoice in await InvoicesAsync(kampAdmin, "2024-04"))
        {
            Assert.DoesNotContain((await kampAdmin.GetAsync<InvoiceView>($"/api/v1/invoices/{invoice.Id}")).Lines, l => l.ContractId == late);
        }

        var wholesaleMay = await kampAdmin.GetAsync<InvoiceView>($"/api/v1/invoices/{Assert.Single(await InvoicesAsync(kampAdmin, "2024-05"), i => i.Wholesale).Id}");
        Assert.Equal(new[] { 14.00m, 42.00m }, wholesaleMay.Lines.Where(l => l.ContractId == late).Select(l => l.Net));
    }

    [Fact]
    public async Task Whoever_has_no_billing_details_is_skipped_and_named_and_invoiced_once_they_are_given()
    {
        using var kampAdmin = Kamp("kamp-admin");
        var created = await kampAdmin.PostAsJsonAsync("/api/v1/customers", new { name = "Konditorei Ohneadresse", otpRequired = false });
        var konditorei = (await created.Content.ReadFromJsonAsync<CustomerView>())!;
        await ContractAsync(DemoTenants.KampId, konditorei.Id, "vserver-s", 7500, 5250, "2025-11-01", "2025-11-30");

        var run = await RunAsync("2025-11");
        Assert.Equal("Kamp Hosting → Konditorei Ohneadresse: the recipient has no billing details.", Assert.Single(run.Skipped));
        Assert.Equal(1, run.Created); // the wholesale invoice to Kamp

        await kampAdmin.PostAsJsonAsync("/api/v1/users", new { userName = "ohne", displayName = "O. Adresse", password = "ohne-pass-1234", role = "customer-admin", customerId = konditorei.Id });
        using var ohne = _portal.ApiClient("ohne", "ohne-pass-1234", "kamp.localhost");
        Assert.Equal(HttpStatusCode.NoContent, (await ohne.GetAsync("/api/v1/billing-details")).StatusCode);
        var put = await ohne.PutAsJsonAsync("/api/v1/billing-details", new { legalName = "Konditorei GmbH", street = "Ludgeristraße 1", postalCode = "48143", city = "Münster", countryCode = "de" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var kept = await ohne.GetAsync<BillingDetailsView>("/api/v1/billing-details");
        Assert.Equal(("DE", (string?)null), (kept.CountryCode, kept.VatId));

        var again = await RunAsync("2025-11");
        Assert.Equal((1, 1), (again.Created, again.AlreadyInvoiced));
        Assert.Empty(again.Skipped);
        Assert.Equal("Konditorei GmbH", Assert.Single(await InvoicesAsync(ohne, "2025-11")).Recipient.LegalName);
    }

    public static TheoryData<string, object> BadDetails => new()
    {
        { "legalName", new { street = "A 1", postalCode = "1", city = "B", countryCode = "DE" } },
        { "legalName", new { legalName = new string('x', 121), street = "A 1", postalCode = "1", city = "B", countryCode = "DE" } },
        { "street", new { legalName = "X", street = "Line\nbreak 1", postalCode = "1", city = "B", countryCode = "DE" } },
        { "postalCode", new { legalName = "X", street = "A 1", postalCode = "<b>", city = "B", countryCode = "DE" } },
        { "city", new { legalName = "X", street = "A 1", postalCode = "1", city = "  ", countryCode = "DE" } },
        { "countryCode", new { legalName = "X", street = "A 1", postalCode = "1", city = "B", countryCode = "XX" } },
        { "countryCode", new { legalName = "X", street = "A 1", postalCode = "1", city = "B", countryCode = "DEU" } },
        { "vatId", new { legalName = "X", street = "A 1", postalCode = "1", city = "B", countryCode = "DE", vatId = "FR12345678901" } },
        { "vatId", new { legalName = "X", street = "A 1", postalCode = "1", city = "B", countryCode = "DE", vatId = "DE1" } },
        { "vatId", new { legalName = "X", street = "A 1", postalCode = "1", city = "B", countryCode = "GR", vatId = "GR123456789" } },
        { "email", new { legalName = "X", street = "A 1", postalCode = "1", city = "B", countryCode = "DE", email = "a@b.c, x@y.z" } },
        { "smallBusiness", new { legalName = "X", street = "A 1", postalCode = "1", city = "B", countryCode = "DE", smallBusiness = true } },
        { "iban", new { legalName = "X", street = "A 1", postalCode = "1", city = "B", countryCode = "DE", iban = "DE89370400440532013000" } }, // a customer names no account to be paid to
        { "taxNumber", new { legalName = "X", street = "A 1", postalCode = "1", city = "B", countryCode = "DE", taxNumber = "21/815/08150" } },
        { "phone", new { legalName = "X", street = "A 1", postalCode = "1", city = "B", countryCode = "DE", phone = "call me" } },
    };

    [Theory]
    [MemberData(nameof(BadDetails))]
    public async Task Billing_details_are_refused_naming_the_field_and_the_reason(string field, object body)
    {
        using var baecker = Kamp("baecker");
        var response = await baecker.PutAsJsonAsync("/api/v1/billing-details", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal("Münster", (await baecker.GetAsync<BillingDetailsView>("/api/v1/billing-details")).City);
    }

    [Fact]
    public async Task Billing_details_are_each_tenants_own_and_only_its_administrators_change_them()
    {
        Assert.Equal("Bäckerei Kamp KG", (await Kamp("baecker").GetAsync<BillingDetailsView>("/api/v1/billing-details")).LegalName);
        Assert.Equal("Kamp Hosting GmbH", (await Kamp("kamp-admin").GetAsync<BillingDetailsView>("/api/v1/billing-details")).LegalName);
        var widgets = await Acme("widget").GetAsync<BillingDetailsView>("/api/v1/billing-details");
        Assert.Equal(("Acme Widgets Ltd", false), (widgets.LegalName, widgets.SmallBusiness));
        Assert.Equal(HttpStatusCode.Forbidden, (await Kamp("geselle").GetAsync("/api/v1/billing-details")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Kamp("geselle").PutAsJsonAsync("/api/v1/billing-details", new { legalName = "Geselle", street = "A 1", postalCode = "1", city = "B", countryCode = "DE" })).StatusCode);

        // Acme's staff change Acme's details, with § 19; an IBAN whose check digits are wrong and a tax number of letters are refused.
        using var acmeAdmin = Acme("acme-admin");
        var typo = await acmeAdmin.PutAsJsonAsync("/api/v1/billing-details", new { legalName = "Acme", street = "A 1", postalCode = "1", city = "B", countryCode = "DE", iban = "DE89 3704 0044 0532 0130 01", taxNumber = "ABC/123/45678" });
        Assert.Equal(HttpStatusCode.BadRequest, typo.StatusCode);
        var errors = (await typo.ProblemAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("iban", out _) && errors.TryGetProperty("taxNumber", out _), errors.ToString());
        var put = await acmeAdmin.PutAsJsonAsync("/api/v1/billing-details", new { legalName = "Acme Hosting, Inh. Jana Acker", street = "Marktplatz 3", postalCode = "35037", city = "Marburg", countryCode = "DE", email = "billing@acme.localhost", smallBusiness = true, taxNumber = "026 123 45678", iban = "de02 5001 0517 0137 0750 30" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var acme = await acmeAdmin.GetAsync<BillingDetailsView>("/api/v1/billing-details");
        Assert.Equal(("DE02500105170137075030", true), (acme.Iban, acme.SmallBusiness));
        Assert.Equal(HttpStatusCode.OK, (await Acme("widget").PutAsJsonAsync("/api/v1/billing-details", new { legalName = "Acme Widgets Ltd", street = "10 Fleet Street", postalCode = "EC4Y 1AA", city = "London", countryCode = "GB", vatId = "GB 123 456 789" })).StatusCode);
        Assert.Equal("GB123456789", (await Acme("widget").GetAsync<BillingDetailsView>("/api/v1/billing-details")).VatId);
        Assert.Equal("Kamp Hosting GmbH", (await Kamp("kamp-admin").GetAsync<BillingDetailsView>("/api/v1/billing-details")).LegalName);
    }

    [Fact]
    public async Task Only_the_operator_runs_invoices_and_a_month_is_typed_as_year_and_month()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await Kamp("kamp-admin").PostAsJsonAsync("/api/v1/invoices/run", new { period = "2025-12" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Kamp("baecker").PostAsJsonAsync("/api/v1/invoices/run", new { period = "2025-12" })).StatusCode);
        var nextButOne = DateOnly.FromDateTime(DateTime.UtcNow).AddMonths(2).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var ahead = await Operator().PostAsJsonAsync("/api/v1/invoices/run", new { period = nextButOne });
        Assert.Equal(HttpStatusCode.BadRequest, ahead.StatusCode);
        Assert.True((await ahead.ProblemAsync()).GetProperty("errors").TryGetProperty("period", out _));
        var bad = await Operator().PostAsJsonAsync("/api/v1/invoices/run", new { period = "2025-13" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.ProblemAsync()).GetProperty("errors").TryGetProperty("period", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await Operator().GetAsync("/api/v1/invoices?period=13-2031")).StatusCode);
    }

    [Fact]
    public async Task The_pages_run_a_month_show_an_invoice_as_a_document_and_let_its_issuer_cancel_it()
    {
        await ContractAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, "vserver-s", 7500, 5250, "2025-12-01", "2025-12-31");
        using var op = _portal.Session();
        await op.SignInAsync("operator", "operator-pass-1");
        var run = await op.PostFormAsync("/admin/invoices", new Dictionary<string, string> { ["period"] = "2025-12" }, "/admin/invoices");
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        Assert.Contains("Run for 2025-12: 2 invoices created, 2 issued, 0 already invoiced.", await run.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var refused = await op.PostFormAsync("/admin/invoices", new Dictionary<string, string> { ["period"] = "December" }, "/admin/invoices");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Give the month as YYYY-MM", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var kamp = _portal.Session("kamp.localhost");
        await kamp.SignInAsync("kamp-admin", "kamp-admin-pass-1");
        var bakery = Assert.Single(await InvoicesAsync(Kamp("kamp-admin"), "2025-12"), i => !i.Wholesale);
        Assert.Contains(bakery.Number, await kamp.Client.GetStringAsync("/admin/invoices"), StringComparison.Ordinal);
        var page = await kamp.Client.GetStringAsync($"/admin/invoices/{bakery.Id}");
        foreach (var shown in new[] { "Kamp Hosting GmbH", "Hafenweg 12", "VAT ID DE987654321", "Bäckerei Kamp KG", "Prinzipalmarkt 8", "2025-12-01", "2025-12-31", "75.00", "14.25", "89.25", "IBAN DE02120300000000202051", "Cancel this invoice" })
        {
            Assert.Contains(shown, page, StringComparison.Ordinal);
        }

        // The customer sees the document without the button; its issuer cancels it from the page.
        using var baecker = _portal.Session("kamp.localhost");
        await baecker.SignInAsync("baecker", "baecker-pass-1");
        Assert.DoesNotContain("Cancel this invoice", await baecker.Client.GetStringAsync($"/admin/invoices/{bakery.Id}"), StringComparison.Ordinal);
        var cancelled = await kamp.PostFormAsync($"/admin/invoices/{bakery.Id}/cancel", new Dictionary<string, string>(), $"/admin/invoices/{bakery.Id}");
        Assert.Equal(HttpStatusCode.Redirect, cancelled.StatusCode);
        var cancellation = await kamp.Client.GetStringAsync(cancelled.Headers.Location!.OriginalString);
        Assert.Contains("Cancellation invoice", cancellation, StringComparison.Ordinal);
        Assert.Contains("-89.25", cancellation, StringComparison.Ordinal);
        Assert.Contains(bakery.Number, cancellation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_issued_invoice_is_an_xrechnung_that_keeps_the_en16931_rules_for_its_vat_category()
    {
        await ContractAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, "vserver-s", 7500, 5250, "2025-06-10", "2025-06-30");
        await ContractAsync(DemoTenants.ProviderId, DemoTenants.OtherCustomerId, "vserver-m", 13000, 9100, "2025-06-01", "2025-06-30");
        await ContractAsync(DemoTenants.AcmeId, DemoTenants.AcmeCustomerId, "vserver-s", 7900, 5250, "2025-06-01", "2025-06-30");
        await RunAsync("2025-06");
        using var kampAdmin = Kamp("kamp-admin");
        var bakery = Assert.Single(await InvoicesAsync(kampAdmin, "2025-06"), i => !i.Wholesale);
        var cancellation = (await (await kampAdmin.PostAsync($"/api/v1/invoices/{bakery.Id}/cancellation", null)).Content.ReadFromJsonAsync<InvoiceView>())!;

        var documents = new List<(string Category, System.Xml.Linq.XDocument Xml)>();
        async Task Fetch(HttpClient client, InvoiceView invoice, string category)
        {
            var response = await client.GetAsync($"/api/v1/invoices/{invoice.Id}/xrechnung");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
            documents.Add((category, System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync())));
        }

        await Fetch(Kamp("baecker"), bakery, "S");
        await Fetch(Kamp("baecker"), cancellation, "S");
        await Fetch(Operator(), Assert.Single(await InvoicesAsync(Operator(), "2025-06"), i => i.Recipient.LegalName == "Other AG"), "AE");
        await Fetch(Acme("widget"), Assert.Single(await InvoicesAsync(Acme("widget"), "2025-06")), "E");

        System.Xml.Linq.XNamespace cac = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
        System.Xml.Linq.XNamespace cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
        static decimal Amount(System.Xml.Linq.XElement? e)
        {
            Assert.NotNull(e);
            Assert.Matches(@"^-?\d+\.\d\d$", e.Value);
            Assert.Equal("EUR", e.Attribute("currencyID")?.Value);
            return decimal.Parse(e.Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var (category, xml) in documents)
        {
            var root = xml.Root!;
            var credit = root.Name.LocalName == "CreditNote";
            Assert.Equal("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0", root.Element(cbc + "CustomizationID")?.Value);
            var totals = root.Element(cac + "LegalMonetaryTotal")!;
            var lines = root.Elements(cac + (credit ? "CreditNoteLine" : "InvoiceLine")).ToList();
            Assert.NotEmpty(lines); // BR-16
            Assert.Equal(lines.Sum(l => Amount(l.Element(cbc + "LineExtensionAmount"))), Amount(totals.Element(cbc + "LineExtensionAmount"))); // BR-CO-10
            Assert.Equal(Amount(totals.Element(cbc + "LineExtensionAmount")), Amount(totals.Element(cbc + "TaxExclusiveAmount"))); // BR-CO-13
            var tax = root.Element(cac + "TaxTotal")!;
            Assert.Equal(Amount(totals.Element(cbc + "TaxExclusiveAmount")) + Amount(tax.Element(cbc + "TaxAmount")), Amount(totals.Element(cbc + "TaxInclusiveAmount"))); // BR-CO-15
            Assert.Equal(Amount(totals.Element(cbc + "TaxInclusiveAmount")), Amount(totals.Element(cbc + "PayableAmount")));
            var subtotal = tax.Element(cac + "TaxSubtotal")!;
            Assert.Equal(Amount(totals.Element(cbc + "TaxExclusiveAmount")), Amount(subtotal.Element(cbc + "TaxableAmount"))); // BR-S-08, BR-AE-08, BR-E-08
            Assert.Equal(category, subtotal.Element(cac + "TaxCategory")?.Element(cbc + "ID")?.Value);
            Assert.All(lines, l => Assert.Equal(category, l.Element(cac + "Item")?.Element(cac + "ClassifiedTaxCategory")?.Element(cbc + "ID")?.Value));
            Assert.NotEmpty(root.Element(cbc + "BuyerReference")?.Value ?? ""); // BR-DE-15
            Assert.NotNull(root.Element(cac + "PaymentMeans")?.Element(cbc + "PaymentMeansCode")); // BR-DE-1
            Assert.NotNull(root.Element(cac + "InvoicePeriod")?.Element(cbc + "StartDate"));
            var seller = root.Element(cac + "AccountingSupplierParty")!.Element(cac + "Party")!;
            var buyer = root.Element(cac + "AccountingCustomerParty")!.Element(cac + "Party")!;
            Assert.NotEmpty(seller.Element(cac + "PostalAddress")?.Element(cbc + "CityName")?.Value ?? ""); // BR-08
            Assert.NotEmpty(buyer.Element(cac + "PartyLegalEntity")?.Element(cbc + "RegistrationName")?.Value ?? ""); // BR-07
            var percent = decimal.Parse(subtotal.Element(cac + "TaxCategory")!.Element(cbc + "Percent")!.Value, System.Globalization.CultureInfo.InvariantCulture);
            string? VatId(System.Xml.Linq.XElement party) => party.Elements(cac + "PartyTaxScheme").SingleOrDefault(t => t.Element(cac + "TaxScheme")?.Element(cbc + "ID")?.Value == "VAT")?.Element(cbc + "CompanyID")?.Value;
            switch (category)
            {
                case "S":
                    Assert.Equal(19m, percent);
                    Assert.Equal(Math.Round(Amount(subtotal.Element(cbc + "TaxableAmount")) * 0.19m, 2, MidpointRounding.AwayFromZero), Amount(subtotal.Element(cbc + "TaxAmount"))); // BR-CO-17
                    Assert.NotNull(VatId(seller)); // BR-S-02
                    break;
                case "AE":
                    Assert.Equal((0m, 0m), (percent, Amount(tax.Element(cbc + "TaxAmount")))); // BR-AE-05, BR-AE-09
                    Assert.Equal(("DE123456789", "ATU12345678"), (VatId(seller), VatId(buyer))); // BR-AE-03, BR-AE-04
                    Assert.NotEmpty(subtotal.Element(cac + "TaxCategory")!.Element(cbc + "TaxExemptionReason")?.Value ?? ""); // BR-AE-10
                    break;
                case "E":
                    Assert.Equal((0m, 0m), (percent, Amount(tax.Element(cbc + "TaxAmount")))); // BR-E-05, BR-E-09
                    Assert.Contains("§ 19 UStG", subtotal.Element(cac + "TaxCategory")!.Element(cbc + "TaxExemptionReason")?.Value ?? "", StringComparison.Ordinal); // BR-E-10
                    Assert.Contains(seller.Elements(cac + "PartyTaxScheme"), t => t.Element(cac + "TaxScheme")?.Element(cbc + "ID")?.Value == "FC"); // BR-E-02
                    break;
            }

            if (credit)
            {
                // The cancellation: a credit note of the positive amounts that names the invoice it cancels.
                Assert.Equal(("381", bakery.Number), (root.Element(cbc + "CreditNoteTypeCode")?.Value, root.Element(cac + "BillingReference")?.Element(cac + "InvoiceDocumentReference")?.Element(cbc + "ID")?.Value));
                Assert.Equal(bakery.Gross, Amount(totals.Element(cbc + "PayableAmount")));
            }
            else
            {
                Assert.Equal("380", root.Element(cbc + "InvoiceTypeCode")?.Value);
            }
        }

        Assert.Equal(HttpStatusCode.NotFound, (await Acme("acme-admin").GetAsync($"/api/v1/invoices/{bakery.Id}/xrechnung")).StatusCode);
    }

    [Fact]
    public async Task Each_issued_invoice_is_a_pdf_in_the_issuers_brand_with_what_the_law_asks_of_it_in_the_readers_language()
    {
        await ContractAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, "vserver-l", 19500, 13650, "2024-08-11", "2024-08-31");
        await RunAsync("2024-08");
        using var baecker = Kamp("baecker");
        var listed = Assert.Single(await InvoicesAsync(baecker, "2024-08"));
        var invoice = await baecker.GetAsync<InvoiceView>($"/api/v1/invoices/{listed.Id}");

        var text = await PdfTextAsync(baecker, invoice.Id);
        var line = Assert.Single(invoice.Lines, l => l.Description == "vserver l");
        foreach (var expected in new[]
        {
            "Kamp Cloud", invoice.Number, invoice.Issuer.LegalName, invoice.Issuer.VatId ?? invoice.Issuer.TaxNumber!, invoice.Recipient.LegalName, invoice.Recipient.Street,
            $"{invoice.Recipient.PostalCode} {invoice.Recipient.City}", "Invoice date", "2024-08-01 – 2024-08-31", "vserver l", "2024-08-11 – 2024-08-31",
            $"{line.Days}/{line.DaysInMonth}", line.Net.ToString("#,##0.00", CultureInfo.InvariantCulture), "VAT 19 %",
            $"{invoice.Vat.ToString("#,##0.00", CultureInfo.InvariantCulture)} EUR", $"{invoice.Gross.ToString("#,##0.00", CultureInfo.InvariantCulture)} EUR",
        })
        {
            Assert.True(text.Contains(expected, StringComparison.Ordinal), $"the PDF lacks '{expected}':\n{text}");
        }

        // A reader who chose German reads it in German.
        Assert.Equal(HttpStatusCode.NoContent, (await baecker.PutAsJsonAsync("/api/v1/profile/language", new { language = "de" })).StatusCode);
        try
        {
            var german = await PdfTextAsync(baecker, invoice.Id);
            Assert.Contains("Rechnungsnummer", german);
            Assert.Contains("Leistungszeitraum", german);
            Assert.Contains("USt. 19 %", german);
        }
        finally
        {
            await baecker.PutAsJsonAsync("/api/v1/profile/language", new { language = (string?)null });
        }

        // Nobody else's: another reseller's staff get the same answer as for an invoice that does not exist.
        Assert.Equal(HttpStatusCode.NotFound, (await Acme("acme-admin").GetAsync($"/api/v1/invoices/{invoice.Id}/pdf")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Acme("acme-admin").GetAsync($"/api/v1/invoices/{Guid.NewGuid()}/pdf")).StatusCode);
    }

    /// <summary>The PDF's text as poppler's pdftotext reads it, after checking it is a PDF.</summary>
    private static async Task<string> PdfTextAsync(HttpClient client, Guid invoiceId)
    {
        var response = await client.GetAsync($"/api/v1/invoices/{invoiceId}/pdf");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("%PDF-", System.Text.Encoding.ASCII.GetString(bytes, 0, 5));
        var file = Path.Combine(Path.GetTempPath(), $"invoice-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(file, bytes);
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("pdftotext") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-layout");
            start.ArgumentList.Add("-enc");
            start.ArgumentList.Add("UTF-8");
            start.ArgumentList.Add(file);
            start.ArgumentList.Add("-");
            using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("pdftotext did not start (scripts/install-system-packages.sh test installs poppler-utils)");
            var text = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
            return text;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
