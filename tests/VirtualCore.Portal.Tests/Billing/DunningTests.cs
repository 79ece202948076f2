using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using netDumbster.smtp;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Portal.Tests.Billing;

/// <summary>
/// One portal with a mail server whose invoices are due the day they are issued, dunned from the first day they are
/// overdue, and whose dunning steps follow each other without waiting, so that each round a test starts takes the next
/// step; no monthly run of its own.
/// </summary>
public sealed class DunningPortal : IAsyncLifetime
{
    public DunningPortal()
    {
        (Smtp, var settings) = BillingTestData.MailServer();
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        Portal = new PortalFixture(settings: settings);
    }

    /// <summary>No runs of its own; invoices due the day they are issued; each dunning step the round after the last.</summary>
    public static readonly IReadOnlyDictionary<string, string> Settings = new Dictionary<string, string>
    {
        ["Billing:MonthlyRun"] = "false",
        ["Billing:Dunning:Enabled"] = "false",
        ["Billing:Dunning:PaymentTermDays"] = "0",
        ["Billing:Dunning:FirstReminderDays"] = "0",
        ["Billing:Dunning:StepDays"] = "0",
    };

    public PortalFixture Portal { get; }

    public SimpleSmtpServer Smtp { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Portal.DisposeAsync();
        Smtp.Dispose();
    }
}

/// <summary>
/// Payments and the dunning sequence: reminders by mail, the customer's suspension (VMs powered off, starting,
/// creating and consoles refused, disks kept), lifted by the payment that settles it; and every way to record a
/// payment one may not, or one that is wrong.
/// </summary>
public sealed class DunningTests(DunningPortal fixture) : IClassFixture<DunningPortal>
{
    private readonly PortalFixture _portal = fixture.Portal;

    private HttpClient Operator() => _portal.ApiClient("operator", "operator-pass-1");

    private HttpClient Kamp(string user) => _portal.ApiClient(user, $"{user}-pass-1", "kamp.localhost");

    private HttpClient Acme(string user) => _portal.ApiClient(user, $"{user}-pass-1", "acme.localhost");

    private Task ContractAsync(Guid reseller, Guid customer, long retail, long wholesale, string month) =>
        BillingTestData.MonthContractAsync(_portal, reseller, customer, retail, wholesale, month);

    private async Task<InvoiceView> InvoiceOfAsync(HttpClient staff, string month, Guid recipient)
    {
        var response = await Operator().PostAsJsonAsync("/api/v1/invoices/run", new { period = month });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var invoices = await staff.GetAsync<InvoiceView[]>($"/api/v1/invoices?period={month}");
        var id = await _portal.DbAsync(db => db.Set<Invoice>().Where(i => i.PeriodStart == DateOnly.Parse(month + "-01", System.Globalization.CultureInfo.InvariantCulture)
            && i.RecipientId == recipient && i.Kind == Invoice.Regular).Select(i => i.Id).SingleAsync());
        return await staff.GetAsync<InvoiceView>($"/api/v1/invoices/{invoices.Single(i => i.Id == id).Id}");
    }

    private async Task<DunningRunResult> RoundAsync()
    {
        var response = await Operator().PostAsync("/api/v1/invoices/dunning", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<DunningRunResult>(Api.Json))!;
    }

    private static Task<HttpResponseMessage> PayAsync(HttpClient staff, Guid invoice, object body) => staff.PostAsJsonAsync($"/api/v1/invoices/{invoice}/payments", body);

    private static async Task<string> StateAsync(HttpClient client, Guid vm) => (await client.GetAsync<VmView>($"/api/v1/vms/{vm}")).State;

    [Fact]
    public async Task An_unpaid_invoice_is_reminded_three_times_then_suspends_its_customer_and_paying_it_lifts_the_suspension()
    {
        var demo = _portal.Demo();
        var running = await demo.CreatedVmAsync("dun-running");
        var off = await demo.CreatedVmAsync("dun-off");
        await demo.CompleteAsync(demo.ActAsync(running, "start"));

        // Demo GmbH owes the provider 89.25 EUR (75 + 19 %); Bäckerei Kamp owes Kamp, and Kamp owes the provider wholesale.
        await ContractAsync(DemoTenants.ProviderId, DemoTenants.DemoCustomerId, 7_500, 5_250, "2025-02");
        await ContractAsync(DemoTenants.ProviderId, DemoTenants.DemoCustomerId, 1_000, 700, "2025-01");
        await ContractAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, 7_500, 5_250, "2025-02");
        var invoice = await InvoiceOfAsync(Operator(), "2025-02", DemoTenants.DemoCustomerId);
        Assert.Equal(PaymentStates.Open, invoice.Payment);
        Assert.Equal(89.25m, invoice.Open);
        Assert.Equal(invoice.IssuedOn, invoice.DueOn);
        var xml = await Operator().GetStringAsync($"/api/v1/invoices/{invoice.Id}/xrechnung");
        Assert.Contains($"<cbc:DueDate>{invoice.DueOn:yyyy-MM-dd}</cbc:DueDate>", xml);
        Assert.Contains("Payable within 0 days of the invoice date", xml);
        var wholesale = await InvoiceOfAsync(Operator(), "2025-02", DemoTenants.KampId);
        var earlier = await InvoiceOfAsync(Operator(), "2025-01", DemoTenants.DemoCustomerId); // Demo GmbH owes 11.90 EUR more

        // Due today, they are not overdue yet: a round leaves them alone. Then a day passes (their due day is moved back).
        await RoundAsync();
        Assert.Empty((await Operator().GetAsync<InvoiceView>($"/api/v1/invoices/{invoice.Id}")).Reminders!);
        await _portal.DbAsync(db => db.Set<Invoice>().Where(i => i.PeriodStart == new DateOnly(2025, 2, 1) || i.PeriodStart == new DateOnly(2025, 1, 1))
            .ExecuteUpdateAsync(u => u.SetProperty(i => i.DueOn, i => i.DueOn!.Value.AddDays(-1))));
        Assert.Equal(PaymentStates.Overdue, (await demo.GetAsync<InvoiceView>($"/api/v1/invoices/{invoice.Id}")).Payment);

        // Three rounds: payment reminder, second reminder, final notice — one step per round, each mailed. (The other
        // tests of this portal may leave a reseller's wholesale invoice unpaid, which this round reminds too.)
        var subjects = new List<string>();
        foreach (var (expected, level) in new[] { ("Payment reminder", 1), ("Second reminder", 2), ("Final notice", 3) })
        {
            var round = await RoundAsync();
            Assert.True(round.Reminders >= 4, $"{round}"); // Demo GmbH's two, Bäckerei Kamp's and Kamp's wholesale invoice
            Assert.Equal(0, round.Suspended);
            Assert.Equal(0, round.MailFailures);
            Assert.Equal(Enumerable.Range(1, level), (await Operator().GetAsync<InvoiceView>($"/api/v1/invoices/{invoice.Id}")).Reminders!.Select(r => r.Level));
            Assert.All((await Operator().GetAsync<InvoiceView>($"/api/v1/invoices/{invoice.Id}")).Reminders!, r => Assert.True(r.Mailed));
            subjects.Add(expected);
        }

        Assert.Equal("running", await StateAsync(demo, running));
        var mails = fixture.Smtp.ReceivedEmail.Where(m => m.ToAddresses.Any(a => a.Address == "it@demo.localhost") && m.Subject.EndsWith(invoice.Number, StringComparison.Ordinal))
            .Select(m => m.Subject).ToList();
        Assert.Equal(subjects.Select(s => $"{s}: invoice {invoice.Number}").Order(), mails.Order());
        var finalNotice = fixture.Smtp.ReceivedEmail.Single(m => m.Subject == $"Final notice: invoice {invoice.Number}" && m.ToAddresses.Any(a => a.Address == "it@demo.localhost")).MessageParts[0].BodyData;
        Assert.Contains("your account will be suspended", finalNotice);
        Assert.Contains("DE89370400440532013000", finalNotice);

        // The fourth round suspends both customers (Demo GmbH once for its two invoices); Kamp, a reseller, gets no
        // fourth step for its wholesale invoice.
        var fourth = await RoundAsync();
        Assert.Equal(2, fourth.Suspended);
        Assert.Equal(4, (await Operator().GetAsync<InvoiceView>($"/api/v1/invoices/{earlier.Id}")).Reminders!.Count);
        Assert.Equal(new[] { 1, 2, 3 }, (await Operator().GetAsync<InvoiceView>($"/api/v1/invoices/{wholesale.Id}")).Reminders!.Select(r => r.Level));
        var customer = await Operator().GetAsync<CustomerView>($"/api/v1/customers/{DemoTenants.DemoCustomerId}");
        Assert.Equal(CustomerSuspension.ByBilling, customer.Suspension!.By);
        Assert.True(customer.Suspension.Reason.Contains(invoice.Number, StringComparison.Ordinal) || customer.Suspension.Reason.Contains(earlier.Number, StringComparison.Ordinal), customer.Suspension.Reason);
        Assert.Contains(fixture.Smtp.ReceivedEmail, m => m.Subject == $"Your account is suspended: invoice {invoice.Number} is unpaid" && m.ToAddresses.Any(a => a.Address == "it@demo.localhost"));

        // Another round takes no further step on them.
        Assert.Equal(0, (await RoundAsync()).Suspended);
        Assert.Equal(4, (await Operator().GetAsync<InvoiceView>($"/api/v1/invoices/{invoice.Id}")).Reminders!.Count);

        // The running VM is powered off by a job of the system's; the one that was off stays off; both stay defined.
        await Api.WaitUntilAsync(() => StateAsync(demo, running), s => s == VmStates.ShutOff);
        Assert.Equal(VmStates.ShutOff, await StateAsync(demo, off));

        // The customer's users see their VMs and invoices, but start, create and console are refused with the reason.
        foreach (var (path, body) in new (string, object?)[] { ($"/api/v1/vms/{off}/start", null), ($"/api/v1/vms/{running}/console", null), ("/api/v1/vms", new { name = "dun-new", vCpus = 1, memoryGiB = 1, diskGiB = 20 }) })
        {
            var refused = body is null ? await demo.PostAsync(path, null) : await demo.PostAsJsonAsync(path, body);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)refused.StatusCode}");
            Assert.Contains(customer.Suspension.Reason, (await refused.ProblemAsync()).GetProperty("detail").GetString());
        }

        Assert.Equal(new[] { 1, 2, 3, 4 }, (await demo.GetAsync<InvoiceView>($"/api/v1/invoices/{invoice.Id}")).Reminders!.Select(r => r.Level));

        // A part payment does not lift it; the rest does, and the VM the suspension stopped starts again.
        var part = await PayAsync(Operator(), invoice.Id, new { amount = 50m, reference = "SEPA-1" });
        Assert.Equal(HttpStatusCode.OK, part.StatusCode);
        Assert.Equal(39.25m, (await part.Content.ReadFromJsonAsync<InvoiceView>(Api.Json))!.Open);
        Assert.NotNull((await Operator().GetAsync<CustomerView>($"/api/v1/customers/{DemoTenants.DemoCustomerId}")).Suspension);
        var rest = await PayAsync(Operator(), invoice.Id, new { amount = 39.25m, method = "card", reference = "SEPA-2" });
        Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
        var paid = (await rest.Content.ReadFromJsonAsync<InvoiceView>(Api.Json))!;
        Assert.Equal(PaymentStates.Paid, paid.Payment);
        Assert.Equal(["SEPA-1", "SEPA-2"], paid.Payments!.Select(p => p.Reference));

        // The other invoice it was suspended for is still open: still suspended, until that is paid too.
        Assert.NotNull((await Operator().GetAsync<CustomerView>($"/api/v1/customers/{DemoTenants.DemoCustomerId}")).Suspension);
        Assert.Equal(VmStates.ShutOff, await StateAsync(demo, running));
        Assert.Equal(HttpStatusCode.OK, (await PayAsync(Operator(), earlier.Id, new { amount = 11.90m })).StatusCode);
        Assert.Null((await Operator().GetAsync<CustomerView>($"/api/v1/customers/{DemoTenants.DemoCustomerId}")).Suspension);
        await Api.WaitUntilAsync(() => StateAsync(demo, running), s => s == VmStates.Running);
        Assert.Equal(VmStates.ShutOff, await StateAsync(demo, off));
        await demo.CompleteAsync(demo.ActAsync(off, "start"));

        // Bäckerei Kamp has not paid: still suspended, and its open item is on Kamp's unpaid list, not on the provider's.
        Assert.NotNull((await Kamp("kamp-admin").GetAsync<CustomerView>($"/api/v1/customers/{DemoTenants.KampCustomerId}")).Suspension);
        var kampUnpaid = await Kamp("kamp-admin").GetAsync<InvoiceView[]>("/api/v1/invoices?unpaid=true");
        Assert.Contains(kampUnpaid, i => i.Recipient.LegalName == "Bäckerei Kamp KG");
        Assert.DoesNotContain(await Operator().GetAsync<InvoiceView[]>("/api/v1/invoices?unpaid=true"), i => i.Id == invoice.Id);

        // Kamp cancels its customer's invoice instead: nothing is due, and the suspension ends with it.
        var kampInvoice = kampUnpaid.Single(i => i.Recipient.LegalName == "Bäckerei Kamp KG");
        Assert.Equal(HttpStatusCode.OK, (await Kamp("kamp-admin").PostAsync($"/api/v1/invoices/{kampInvoice.Id}/cancellation", null)).StatusCode);
        Assert.Null((await Kamp("kamp-admin").GetAsync<CustomerView>($"/api/v1/customers/{DemoTenants.KampCustomerId}")).Suspension);
    }

    [Fact]
    public async Task A_payment_is_recorded_only_by_the_issuer_only_on_what_is_open_and_only_as_it_can_be()
    {
        await ContractAsync(DemoTenants.ProviderId, DemoTenants.OtherCustomerId, 10_000, 7_000, "2025-05");
        await ContractAsync(DemoTenants.AcmeId, DemoTenants.AcmeCustomerId, 10_000, 7_000, "2025-05");
        var invoice = await InvoiceOfAsync(Operator(), "2025-05", DemoTenants.OtherCustomerId);
        Assert.Equal(100m, invoice.Open); // Other AG in Austria: reverse charge, no VAT
        var wholesale = await InvoiceOfAsync(Operator(), "2025-05", DemoTenants.AcmeId);
        var tomorrow = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var refusals = new (HttpClient Who, Guid Invoice, object Body, HttpStatusCode Status, string? Field)[]
        {
            (_portal.Other(), invoice.Id, new { amount = 1m }, HttpStatusCode.Forbidden, null), // the recipient itself
            (Kamp("kamp-admin"), invoice.Id, new { amount = 1m }, HttpStatusCode.NotFound, null), // another reseller
            (Acme("acme-admin"), wholesale.Id, new { amount = 1m }, HttpStatusCode.Forbidden, null), // the recipient of a wholesale invoice
            (Operator(), Guid.NewGuid(), new { amount = 1m }, HttpStatusCode.NotFound, null),
            (Operator(), invoice.Id, new { }, HttpStatusCode.BadRequest, "amount"),
            (Operator(), invoice.Id, new { amount = 0m }, HttpStatusCode.BadRequest, "amount"),
            (Operator(), invoice.Id, new { amount = -5m }, HttpStatusCode.BadRequest, "amount"),
            (Operator(), invoice.Id, new { amount = 1.005m }, HttpStatusCode.BadRequest, "amount"),
            (Operator(), invoice.Id, new { amount = 100.01m }, HttpStatusCode.BadRequest, "amount"),
            (Operator(), invoice.Id, new { amount = 1m, paidOn = tomorrow }, HttpStatusCode.BadRequest, "paidOn"),
            (Operator(), invoice.Id, new { amount = 1m, method = "bitcoin" }, HttpStatusCode.BadRequest, "method"),
            (Operator(), invoice.Id, new { amount = 1m, reference = new string('x', 141) }, HttpStatusCode.BadRequest, "reference"),
            (Operator(), invoice.Id, new { amount = 1m, reference = "line\nbreak" }, HttpStatusCode.BadRequest, "reference"),
        };
        foreach (var (who, id, body, status, field) in refusals)
        {
            var response = await PayAsync(who, id, body);
            var problem = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{System.Text.Json.JsonSerializer.Serialize(body)}: {(int)response.StatusCode} {problem}");
            if (field is not null)
            {
                Assert.True((await response.ProblemAsync()).GetProperty("errors").TryGetProperty(field, out _), problem);
            }
        }

        Assert.Equal(0, await _portal.DbAsync(db => db.Set<InvoicePayment>().CountAsync(p => p.InvoiceId == invoice.Id)));

        // The same bank reference once; then what is open, and nothing more.
        Assert.Equal(HttpStatusCode.OK, (await PayAsync(Operator(), invoice.Id, new { amount = 40m, reference = "AT-77" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await PayAsync(Operator(), invoice.Id, new { amount = 40m, reference = "AT-77" })).StatusCode);
        var over = await PayAsync(Operator(), invoice.Id, new { amount = 60.01m });
        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.Contains("60.00 EUR", (await over.ProblemAsync()).GetProperty("errors").GetProperty("amount")[0].GetString());
        Assert.Equal(HttpStatusCode.OK, (await PayAsync(Operator(), invoice.Id, new { amount = 60m })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await PayAsync(Operator(), invoice.Id, new { amount = 1m })).StatusCode);

        // Neither a cancellation invoice nor a cancelled one takes payments.
        var cancelled = (await (await Acme("acme-admin").PostAsync(
            $"/api/v1/invoices/{(await InvoiceOfAsync(Acme("acme-admin"), "2025-05", DemoTenants.AcmeCustomerId)).Id}/cancellation", null)).Content.ReadFromJsonAsync<InvoiceView>(Api.Json))!;
        Assert.Equal(HttpStatusCode.Conflict, (await PayAsync(Acme("acme-admin"), cancelled.Id, new { amount = 1m })).StatusCode);
        var original = await _portal.DbAsync(db => db.Set<Invoice>().Where(i => i.Id != cancelled.Id && i.RecipientId == DemoTenants.AcmeCustomerId && i.PeriodStart == new DateOnly(2025, 5, 1)).Select(i => i.Id).SingleAsync());
        Assert.Equal(HttpStatusCode.Conflict, (await PayAsync(Acme("acme-admin"), original, new { amount = 1m })).StatusCode);
        Assert.Equal(string.Empty, cancelled.Payment);
    }

    [Fact]
    public async Task Staff_suspend_a_customer_of_their_own_only_and_a_payment_does_not_lift_a_suspension_staff_made()
    {
        var widget = Acme("widget");
        var vm = await widget.CreatedVmAsync("sus-web");
        await widget.CompleteAsync(widget.ActAsync(vm, "start"));
        var path = $"/api/v1/customers/{DemoTenants.AcmeCustomerId}/suspension";

        Assert.Equal(HttpStatusCode.Forbidden, (await widget.PutAsJsonAsync(path, new { reason = "I suspend myself" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Kamp("kamp-admin").PutAsJsonAsync(path, new { reason = "Not mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Kamp("kamp-admin").DeleteAsync(path)).StatusCode);
        foreach (var reason in new[] { "", "   ", new string('r', 301), "two\nlines" })
        {
            var refused = await Acme("acme-admin").PutAsJsonAsync(path, new { reason });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.True((await refused.ProblemAsync()).GetProperty("errors").TryGetProperty("reason", out _));
        }

        Assert.Null((await Acme("acme-admin").GetAsync<CustomerView>($"/api/v1/customers/{DemoTenants.AcmeCustomerId}")).Suspension);

        var suspended = await Acme("acme-admin").PutAsJsonAsync(path, new { reason = "Abuse report <script>alert(1)</script> under review." });
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        Assert.Equal("acme-admin", (await suspended.Content.ReadFromJsonAsync<CustomerView>(Api.Json))!.Suspension!.By);
        await Api.WaitUntilAsync(() => StateAsync(widget, vm), s => s == VmStates.ShutOff);
        var start = await widget.PostAsync($"/api/v1/vms/{vm}/start", null);
        Assert.Equal(HttpStatusCode.Forbidden, start.StatusCode);
        Assert.Contains("Abuse report", (await start.ProblemAsync()).GetProperty("detail").GetString());
        var order = await widget.PostAsJsonAsync("/api/v1/contracts", new { productCode = "vserver-s" });
        Assert.Equal(HttpStatusCode.Forbidden, order.StatusCode);
        Assert.Contains("Nothing new can be ordered", (await order.ProblemAsync()).GetProperty("detail").GetString());
        var upload = new HttpRequestMessage(HttpMethod.Post, "/api/v1/isos/uploads");
        upload.Headers.Add("Tus-Resumable", "1.0.0");
        upload.Headers.Add("Upload-Length", "65536");
        upload.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String("rescue.iso"u8.ToArray()));
        var uploading = await widget.SendAsync(upload);
        Assert.Equal(HttpStatusCode.Forbidden, uploading.StatusCode);
        Assert.Contains("none can be uploaded", (await uploading.ProblemAsync()).GetProperty("detail").GetString());

        // The customer's VM page says why, as text, and offers no button that would be refused.
        using var page = _portal.Session("acme.localhost");
        await page.SignInAsync("widget", "widget-pass-1");
        var html = await page.Client.GetStringAsync($"/vms/{vm}");
        Assert.Contains("id=\"suspension\"", html);
        Assert.Contains("Abuse report &lt;script&gt;", html);
        Assert.DoesNotContain("<script>alert(1)</script>", html);

        // A payment lifts only what billing suspended.
        await ContractAsync(DemoTenants.AcmeId, DemoTenants.AcmeCustomerId, 1_000, 700, "2025-07");
        var invoice = await InvoiceOfAsync(Acme("acme-admin"), "2025-07", DemoTenants.AcmeCustomerId);
        Assert.Equal(HttpStatusCode.OK, (await PayAsync(Acme("acme-admin"), invoice.Id, new { amount = invoice.Open })).StatusCode);
        Assert.NotNull((await Acme("acme-admin").GetAsync<CustomerView>($"/api/v1/customers/{DemoTenants.AcmeCustomerId}")).Suspension);

        var lifted = await Acme("acme-admin").DeleteAsync(path);
        Assert.Equal(HttpStatusCode.OK, lifted.StatusCode);
        Assert.Null((await lifted.Content.ReadFromJsonAsync<CustomerView>(Api.Json))!.Suspension);
        await Api.WaitUntilAsync(() => StateAsync(widget, vm), s => s == VmStates.Running);

        // The same on the customers page: a suspension needs its reason, shows it, and is lifted there.
        using var staff = _portal.Session("acme.localhost");
        await staff.SignInAsync("acme-admin", "acme-admin-pass-1");
        var form = $"/admin/customers/{DemoTenants.AcmeCustomerId}/suspension";
        var noReason = await staff.PostFormAsync(form, new Dictionary<string, string> { ["reason"] = " " }, "/admin/customers");
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("Say why the customer is suspended", await noReason.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await staff.PostFormAsync(form, new Dictionary<string, string> { ["reason"] = "Unpaid since May" }, "/admin/customers")).StatusCode);
        var listed = await staff.Client.GetStringAsync("/admin/customers");
        Assert.Contains("data-suspended=\"true\"", listed);
        Assert.Contains("Unpaid since May", listed);
        Assert.Contains("Unpaid since May", await page.Client.GetStringAsync($"/vms/{vm}"));
        Assert.Equal(HttpStatusCode.Redirect, (await staff.PostFormAsync(form + "/lift", new Dictionary<string, string>(), "/admin/customers")).StatusCode);
        Assert.Null((await Acme("acme-admin").GetAsync<CustomerView>($"/api/v1/customers/{DemoTenants.AcmeCustomerId}")).Suspension);
    }

    [Fact]
    public async Task The_issuer_records_a_payment_on_the_invoice_page_which_says_what_is_wrong_with_a_bad_one_and_the_recipient_sees_no_form()
    {
        await ContractAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, 2_000, 1_400, "2025-09");
        var invoice = await InvoiceOfAsync(Kamp("kamp-admin"), "2025-09", DemoTenants.KampCustomerId);
        var page = $"/admin/invoices/{invoice.Id}";

        using var staff = _portal.Session("kamp.localhost");
        await staff.SignInAsync("kamp-admin", "kamp-admin-pass-1");
        var html = await staff.Client.GetStringAsync(page);
        Assert.Contains("id=\"payment-form\"", html);
        Assert.Contains("open: 23.80 EUR", html);
        Assert.Contains(invoice.Id.ToString(), await staff.Client.GetStringAsync("/admin/invoices?unpaid=true"));

        var bad = await staff.PostFormAsync($"{page}/payments", new Dictionary<string, string> { ["amount"] = "zwölf", ["paidOn"] = "2025-13-01", ["method"] = "transfer", ["reference"] = "" }, page);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var refused = await bad.Content.ReadAsStringAsync();
        Assert.Contains("Give the amount received in EUR.", refused);
        Assert.Contains("Give the day as YYYY-MM-DD.", refused);
        Assert.Contains("value=\"zwölf\"", refused);

        // A German decimal comma is read as the amount it is.
        var paid = await staff.PostFormAsync($"{page}/payments", new Dictionary<string, string> { ["amount"] = "23,80", ["paidOn"] = "", ["method"] = "direct-debit", ["reference"] = "<b>LS-1</b>" }, page);
        Assert.Equal(HttpStatusCode.Redirect, paid.StatusCode);
        html = await staff.Client.GetStringAsync(page);
        Assert.Contains("data-payment=\"paid\"", html);
        Assert.Contains("&lt;b&gt;LS-1&lt;/b&gt;", html);
        Assert.DoesNotContain("id=\"payment-form\"", html);
        Assert.DoesNotContain(invoice.Id.ToString(), await staff.Client.GetStringAsync("/admin/invoices?unpaid=true"));

        using var customer = _portal.Session("kamp.localhost");
        await customer.SignInAsync("baecker", "baecker-pass-1");
        html = await customer.Client.GetStringAsync(page);
        Assert.Contains("data-payment=\"paid\"", html);
        Assert.DoesNotContain("id=\"payment-form\"", html);
        var forged = await customer.PostFormAsync($"{page}/payments", new Dictionary<string, string> { ["amount"] = "1", ["paidOn"] = "", ["method"] = "cash", ["reference"] = "" }, page);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
    }

    [Fact]
    public async Task Revenue_shows_each_month_invoiced_paid_open_and_overdue_and_a_resellers_margin_to_its_staff_only()
    {
        await ContractAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, 7_500, 5_250, "2024-03");
        await ContractAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, 7_500, 5_250, "2024-04");
        var march = await InvoiceOfAsync(Kamp("kamp-admin"), "2024-03", DemoTenants.KampCustomerId);
        var april = await InvoiceOfAsync(Kamp("kamp-admin"), "2024-04", DemoTenants.KampCustomerId);
        Assert.Equal(HttpStatusCode.OK, (await PayAsync(Kamp("kamp-admin"), march.Id, new { amount = 89.25m })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PayAsync(Kamp("kamp-admin"), april.Id, new { amount = 9.25m })).StatusCode);
        await _portal.DbAsync(db => db.Set<Invoice>().Where(i => i.Id == april.Id).ExecuteUpdateAsync(u => u.SetProperty(i => i.DueOn, i => i.DueOn!.Value.AddDays(-1))));

        var revenue = await Kamp("kamp-admin").GetAsync<RevenueView>("/api/v1/invoices/revenue?year=2024");
        Assert.True(revenue.Purchases);
        Assert.Equal(new RevenueMonth("2024-03", 1, 75m, 89.25m, 89.25m, 0m, 0m, 52.50m, 22.50m), revenue.Months[2]);
        Assert.Equal(new RevenueMonth("2024-04", 1, 75m, 89.25m, 9.25m, 80m, 80m, 52.50m, 22.50m), revenue.Months[3]);
        Assert.Equal(new RevenueMonth("2024", 2, 150m, 178.50m, 98.50m, 80m, 80m, 105m, 45m), revenue.Total);
        Assert.All(revenue.Months.Where((_, i) => i is not (2 or 3)), m => Assert.Equal(0, m.Invoices));

        // The operator sees what it invoiced Kamp, with no purchases of its own.
        var provider = await Operator().GetAsync<RevenueView>("/api/v1/invoices/revenue?year=2024");
        Assert.False(provider.Purchases);
        Assert.Equal(52.50m, provider.Months[2].Net);

        // Kamp cancels April: it leaves the month's sums.
        Assert.Equal(HttpStatusCode.OK, (await Kamp("kamp-admin").PostAsync($"/api/v1/invoices/{april.Id}/cancellation", null)).StatusCode);
        var after = await Kamp("kamp-admin").GetAsync<RevenueView>("/api/v1/invoices/revenue?year=2024");
        Assert.Equal(new RevenueMonth("2024-04", 1, 0m, 0m, 9.25m, 0m, 0m, 52.50m, -52.50m), after.Months[3]);

        Assert.Equal(HttpStatusCode.Forbidden, (await Kamp("baecker").GetAsync("/api/v1/invoices/revenue?year=2024")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Kamp("kamp-admin").GetAsync("/api/v1/invoices/revenue?year=1999")).StatusCode);
        Assert.Equal(0, (await Acme("acme-admin").GetAsync<RevenueView>("/api/v1/invoices/revenue?year=2024")).Total.Invoices);

        using var page = _portal.Session("kamp.localhost");
        await page.SignInAsync("kamp-admin", "kamp-admin-pass-1");
        var html = await page.Client.GetStringAsync("/admin/revenue?year=2024");
        Assert.Contains("id=\"revenue-table\"", html);
        Assert.Contains("<td class=\"num\">-52.50</td>", html); // April's margin once cancelled
        Assert.Contains("href=\"/admin/revenue?year=2025\"", html);
    }
}
