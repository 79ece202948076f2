using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Billing.Features;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Portal.Tests.Billing;

/// <summary>
/// A stand-in for Stripe's API (not Stripe): it answers the one call the portal makes, creating a Checkout session,
/// and keeps what it was sent. Stripe's webhook events the tests sign themselves, as Stripe does.
/// </summary>
public sealed class StripeStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StripeStandIn(WebApplication app) => _app = app;

    /// <summary>Each session request's form fields and its Stripe-Account header.</summary>
    public ConcurrentQueue<(Dictionary<string, string> Form, string? Account)> Sessions { get; } = new();

    public string Address => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public static async Task<StripeStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var standIn = new StripeStandIn(app);
        app.MapPost("/v1/checkout/sessions", async (HttpContext http) =>
        {
            var form = (await http.Request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString());
            standIn.Sessions.Enqueue((form, http.Request.Headers["Stripe-Account"].FirstOrDefault()));
            var id = "cs_test_" + standIn.Sessions.Count;
            return Results.Json(new Dictionary<string, object?>
            {
                ["id"] = id,
                ["object"] = "checkout.session",
                ["mode"] = "payment",
                ["status"] = "open",
                ["payment_status"] = "unpaid",
                ["currency"] = "eur",
                ["amount_total"] = long.Parse(form["line_items[0][price_data][unit_amount]"], System.Globalization.CultureInfo.InvariantCulture),
                ["client_reference_id"] = form["client_reference_id"],
                ["url"] = "https://checkout.stripe.test/c/pay/" + id,
            });
        });
        await app.StartAsync();
        return standIn;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>A portal whose card payments go to the Stripe stand-in; Kamp takes its customers' payments into its connected account.</summary>
public sealed class CardPortal : IAsyncLifetime
{
    public const string WebhookSecret = "whsec_test_5ecret";

    public PortalFixture Portal { get; private set; } = null!;

    public StripeStandIn Stripe { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Stripe = await StripeStandIn.StartAsync();
        Portal = new PortalFixture(settings: new Dictionary<string, string>(DunningPortal.Settings)
        {
            ["Billing:Stripe:SecretKey"] = "sk_test_standin",
            ["Billing:Stripe:WebhookSecret"] = WebhookSecret,
            ["Billing:Stripe:ApiBase"] = Stripe.Address,
            [$"Billing:Stripe:ConnectedAccounts:{DemoTenants.KampId}"] = "acct_kamp",
        });
    }

    public async Task DisposeAsync()
    {
        await Portal.DisposeAsync();
        await Stripe.DisposeAsync();
    }
}

/// <summary>
/// Paying by card: the recipient gets a Checkout page for what is open, in the issuer's account; the signed webhook
/// records the payment once, lifts a suspension it settles, and nothing unsigned, stale, replayed or from another
/// account pays anything.
/// </summary>
public sealed class CardPaymentTests(CardPortal fixture) : IClassFixture<CardPortal>
{
    private readonly PortalFixture _portal = fixture.Portal;

    private HttpClient Kamp(string user) => _portal.ApiClient(user, $"{user}-pass-1", "kamp.localhost");

    private HttpClient Operator() => _portal.ApiClient("operator", "operator-pass-1");

    private async Task<InvoiceView> InvoiceAsync(Guid reseller, Guid customer, long cents, string month)
    {
        await BillingTestData.MonthContractAsync(_portal, reseller, customer, cents, cents / 2, month);
        Assert.Equal(HttpStatusCode.OK, (await Operator().PostAsJsonAsync("/api/v1/invoices/run", new { period = month })).StatusCode);
        var id = await _portal.DbAsync(db => db.Set<Invoice>().Where(i => i.RecipientId == customer && i.PeriodStart == DateOnly.Parse(month + "-01", System.Globalization.CultureInfo.InvariantCulture)).Select(i => i.Id).SingleAsync());
        var issuer = reseller == DemoTenants.KampId ? Kamp("kamp-admin") : _portal.ApiClient("acme-admin", "acme-admin-pass-1", "acme.localhost");
        return await issuer.GetAsync<InvoiceView>($"/api/v1/invoices/{id}");
    }

    /// <summary>A checkout.session.completed event as Stripe sends it, signed with the webhook's secret at <paramref name="at"/>.</summary>
    private static (string Body, string Signature) Completed(Guid invoice, long amount, string paymentIntent, string? account, DateTimeOffset at, string secret = CardPortal.WebhookSecret)
    {
        var body = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = "evt_" + paymentIntent,
            ["object"] = "event",
            ["api_version"] = global::Stripe.StripeConfiguration.ApiVersion,
            ["created"] = at.ToUnixTimeSeconds(),
            ["type"] = "checkout.session.completed",
            ["account"] = account,
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["data"] = new Dictionary<string, object?>
            {
                ["object"] = new Dictionary<string, object?>
                {
                    ["id"] = "cs_" + paymentIntent,
                    ["object"] = "checkout.session",
                    ["mode"] = "payment",
                    ["status"] = "complete",
                    ["payment_status"] = "paid",
                    ["currency"] = "eur",
                    ["amount_total"] = amount,
                    ["payment_intent"] = paymentIntent,
                    ["metadata"] = new Dictionary<string, string> { ["invoiceId"] = invoice.ToString() },
                },
            },
        });
        var timestamp = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mac = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
        return (body, $"t={timestamp},v1={mac}");
    }

    private async Task<HttpResponseMessage> DeliverAsync((string Body, string Signature) e)
    {
        using var anonymous = _portal.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments/stripe") { Content = new StringContent(e.Body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Stripe-Signature", e.Signature);
        return await anonymous.SendAsync(request);
    }

    private Task<int> PaymentsAsync(Guid invoice) => _portal.DbAsync(db => db.Set<InvoicePayment>().CountAsync(p => p.InvoiceId == invoice));

    [Fact]
    public async Task A_customer_pays_its_resellers_invoice_by_card_into_the_resellers_account_and_the_signed_event_records_it_once()
    {
        var invoice = await InvoiceAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, 7_500, "2025-03");
        var baecker = Kamp("baecker");
        var response = await baecker.PostAsync($"/api/v1/invoices/{invoice.Id}/checkout", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var checkout = (await response.Content.ReadFromJsonAsync<CardCheckout>(Api.Json))!;
        Assert.StartsWith("https://checkout.stripe.test/c/pay/", checkout.Url);

        var (form, account) = fixture.Stripe.Sessions.Last();
        Assert.Equal("acct_kamp", account);
        Assert.Equal("8925", form["line_items[0][price_data][unit_amount]"]);
        Assert.Equal("eur", form["line_items[0][price_data][currency]"]);
        Assert.Equal(invoice.Id.ToString(), form["metadata[invoiceId]"]);
        Assert.Equal($"http://kamp.localhost/admin/invoices/{invoice.Id}?card=paid", form["success_url"]);

        // Unsigned, wrongly signed, stale, or from another connected account: nothing is recorded.
        var now = DateTimeOffset.UtcNow;
        var good = Completed(invoice.Id, 8925, "pi_1", "acct_kamp", now);
        Assert.Equal(HttpStatusCode.BadRequest, (await DeliverAsync((good.Body, ""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await DeliverAsync(Completed(invoice.Id, 8925, "pi_1", "acct_kamp", now, "whsec_guessed"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await DeliverAsync((good.Body.Replace("8925", "1", StringComparison.Ordinal), good.Signature))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await DeliverAsync(Completed(invoice.Id, 8925, "pi_1", "acct_kamp", now.AddMinutes(-10)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await DeliverAsync(Completed(invoice.Id, 8925, "pi_other", "acct_acme", now))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await DeliverAsync(Completed(invoice.Id, 8925, "pi_platform", null, now))).StatusCode);
        Assert.Equal(0, await PaymentsAsync(invoice.Id));

        // The real one, delivered twice as Stripe may: one payment, the invoice paid.
        Assert.Equal(HttpStatusCode.OK, (await DeliverAsync(good)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await DeliverAsync(good)).StatusCode);
        var paid = await baecker.GetAsync<InvoiceView>($"/api/v1/invoices/{invoice.Id}");
        Assert.Equal(PaymentStates.Paid, paid.Payment);
        var payment = Assert.Single(paid.Payments!);
        Assert.Equal(("card", "pi_1", 89.25m), (payment.Method, payment.Reference, payment.Amount));

        // Paid, nothing is left to pay by card.
        Assert.Equal(HttpStatusCode.Conflict, (await baecker.PostAsync($"/api/v1/invoices/{invoice.Id}/checkout", null)).StatusCode);
    }

    [Fact]
    public async Task Only_the_recipient_pays_and_only_into_an_account_that_takes_payments_and_a_card_payment_lifts_the_suspension_it_settles()
    {
        var kampInvoice = await InvoiceAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, 1_000, "2025-04");
        var acmeInvoice = await InvoiceAsync(DemoTenants.AcmeId, DemoTenants.AcmeCustomerId, 1_000, "2025-04");

        Assert.Equal(HttpStatusCode.NotFound, (await _portal.Demo().PostAsync($"/api/v1/invoices/{kampInvoice.Id}/checkout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Kamp("kamp-admin").PostAsync($"/api/v1/invoices/{kampInvoice.Id}/checkout", null)).StatusCode);
        var acme = await _portal.ApiClient("widget", "widget-pass-1", "acme.localhost").PostAsync($"/api/v1/invoices/{acmeInvoice.Id}/checkout", null);
        Assert.Equal(HttpStatusCode.Conflict, acme.StatusCode); // Acme has no connected account
        Assert.Contains("bank transfer", (await acme.ProblemAsync()).GetProperty("detail").GetString());

        // Overdue and dunned to the suspension, then paid by card: the suspension ends.
        await _portal.DbAsync(db => db.Set<Invoice>().Where(i => i.Id == kampInvoice.Id).ExecuteUpdateAsync(u => u.SetProperty(i => i.DueOn, i => i.DueOn!.Value.AddDays(-1))));
        for (var round = 0; round < 4; round++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Operator().PostAsync("/api/v1/invoices/dunning", null)).StatusCode);
        }

        Assert.Equal(CustomerSuspension.ByBilling, (await Kamp("kamp-admin").GetAsync<CustomerView>($"/api/v1/customers/{DemoTenants.KampCustomerId}")).Suspension?.By);

        // The page offers the card to the suspended customer, and comes back to say the payment is being confirmed.
        using var page = _portal.Session("kamp.localhost");
        await page.SignInAsync("baecker", "baecker-pass-1");
        Assert.Contains("id=\"card-form\"", await page.Client.GetStringAsync($"/admin/invoices/{kampInvoice.Id}"));
        var redirect = await page.PostFormAsync($"/admin/invoices/{kampInvoice.Id}/pay", new Dictionary<string, string>(), $"/admin/invoices/{kampInvoice.Id}");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.StartsWith("https://checkout.stripe.test/c/pay/", redirect.Headers.Location!.ToString());
        Assert.Contains("id=\"card-returned\"", await page.Client.GetStringAsync($"/admin/invoices/{kampInvoice.Id}?card=paid"));

        Assert.Equal(HttpStatusCode.OK, (await DeliverAsync(Completed(kampInvoice.Id, 1190, "pi_susp", "acct_kamp", DateTimeOffset.UtcNow))).StatusCode);
        Assert.Null((await Kamp("kamp-admin").GetAsync<CustomerView>($"/api/v1/customers/{DemoTenants.KampCustomerId}")).Suspension);
        Assert.DoesNotContain("id=\"card-form\"", await page.Client.GetStringAsync($"/admin/invoices/{kampInvoice.Id}"));
    }
}
