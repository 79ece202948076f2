using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Tenancy.Contracts;
using Invoice = VirtualCore.Modules.Billing.Domain.Invoice;
using InvoicePayment = VirtualCore.Modules.Billing.Domain.InvoicePayment;

namespace VirtualCore.Modules.Billing.Features;

/// <summary>
/// Card payments through Stripe Checkout (<c>Billing:Stripe</c>): the operator's platform account takes the payments
/// for the operator's own invoices, and a reseller's invoices are paid into the reseller's connected account
/// (Stripe Connect, direct charges) named in <see cref="ConnectedAccounts"/>. Without a secret key nobody pays by card.
/// </summary>
public sealed class StripeOptions
{
    public const string Section = "Billing:Stripe";

    /// <summary>The platform account's secret key (sk_live_… or sk_test_…).</summary>
    public string? SecretKey { get; set; }

    /// <summary>The signing secret of the webhook endpoint /api/v1/payments/stripe (whsec_…).</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Stripe's API; a stand-in's address in tests.</summary>
    public string ApiBase { get; set; } = "https://api.stripe.com";

    /// <summary>The connected account (acct_…) of each reseller that takes card payments, by the reseller's id.</summary>
    public Dictionary<string, string> ConnectedAccounts { get; set; } = [];

    public bool Enabled => !string.IsNullOrEmpty(SecretKey) && !string.IsNullOrEmpty(WebhookSecret);
}

/// <summary>
/// Starts paying an invoice by card: the recipient (a customer's user, or a reseller's staff for the operator's
/// invoice) gets the address of a Stripe Checkout page for what is open on it.
/// </summary>
/// <param name="ReturnTo">The portal's own address the payment page returns to ("https://cloud.example.com").</param>
internal sealed record PayInvoiceByCard(Guid InvoiceId, string ReturnTo) : ICommand<CardCheckout>;

/// <summary>Where the recipient pays.</summary>
public sealed record CardCheckout(string Url);

/// <summary>A card payment Stripe reported for an invoice (the system only, from a signed webhook).</summary>
internal sealed record RecordCardPayment(Guid InvoiceId, long AmountCents, string Reference, string? Account) : ICommand<bool>;

internal sealed class PayInvoiceByCardHandler(PortalDbContext db, ITenantContext tenant, StripeCheckout stripe, TimeProvider clock)
    : ICommandHandler<PayInvoiceByCard, CardCheckout>
{
    public async ValueTask<CardCheckout> Handle(PayInvoiceByCard command, CancellationToken cancellationToken)
    {
        var invoice = await InvoiceViews.Visible(db, tenant).SingleOrDefaultAsync(i => i.Id == command.InvoiceId, cancellationToken)
            ?? throw new NotFoundException("The invoice");
        var recipient = tenant.CustomerId is { } customer ? invoice.CustomerId == customer : invoice.Wholesale && invoice.RecipientId == tenant.ResellerId;
        if (!recipient)
        {
            throw new ForbiddenException("Only its recipient pays an invoice.");
        }

        var view = (await InvoiceViews.ViewsAsync(db, [invoice], withLines: false, clock, cancellationToken))[0];
        if (view.Payment is not (PaymentStates.Open or PaymentStates.Overdue))
        {
            throw new ConflictException("Nothing is open on this invoice.");
        }

        var url = await stripe.CheckoutAsync(invoice, Money.Cents(view.Open), command.ReturnTo, cancellationToken);
        return new CardCheckout(url);
    }
}

/// <summary>Records a card payment once (its payment intent is its reference), up to what is open, and lifts a suspension it settles.</summary>
internal sealed class RecordCardPaymentHandler(PortalDbContext db, ISender sender, ISecurityAudit audit, StripeCheckout stripe, TimeProvider clock, ILogger<RecordCardPaymentHandler> logger)
    : ICommandHandler<RecordCardPayment, bool>
{
    public async ValueTask<bool> Handle(RecordCardPayment command, CancellationToken cancellationToken)
    {
        if (await db.Set<Invoice>().SingleOrDefaultAsync(i => i.Id == command.InvoiceId, cancellationToken) is not { } invoice
            || await db.Set<InvoicePayment>().AnyAsync(p => p.InvoiceId == command.InvoiceId && p.Reference == command.Reference, cancellationToken))
        {
            return false;
        }

        // A payment into one reseller's account never settles another's invoice.
        string? account;
        try
        {
            account = await stripe.AccountOfAsync(invoice.IssuerId, cancellationToken);
        }
        catch (ConflictException)
        {
            account = "none";
        }

        if (account != command.Account)
        {
            logger.LogWarning("Card payment {Reference} for invoice {Number} came from account {Account}, not the issuer's; ignored", command.Reference, invoice.Number, command.Account);
            return false;
        }

        var open = invoice.GrossCents - await Payments.PaidCentsAsync(db, invoice.Id, cancellationToken);
        if (open <= 0 || invoice.Kind != Invoice.Regular || await db.Set<Invoice>().AnyAsync(c => c.CancelsId == invoice.Id, cancellationToken))
        {
            logger.LogWarning("Card payment {Reference} of {Amount} for invoice {Number}, on which nothing is open: refund it", command.Reference, Money.Format(command.AmountCents), invoice.Number);
            return false;
        }

        await Payments.ApplyAsync(db, sender, audit, invoice, Math.Min(open, command.AmountCents), open, ContractViews.Today(clock), "card", command.Reference, "Stripe", clock, cancellationToken);
        return true;
    }
}

/// <summary>Talks to Stripe: creates Checkout sessions, knows which account takes an issuer's payments.</summary>
internal sealed class StripeCheckout(IOptions<StripeOptions> options, IServiceScopeFactory scopes)
{
    private Guid? _provider;

    public StripeOptions Options => options.Value;

    /// <summary>The connected account taking the issuer's payments; null for the platform account (the operator's own invoices).</summary>
    public async Task<string?> AccountOfAsync(Guid issuerId, CancellationToken cancellationToken)
    {
        if (options.Value.ConnectedAccounts.TryGetValue(issuerId.ToString(), out var account))
        {
            return account;
        }

        if (_provider is null)
        {
            await using var scope = scopes.CreateSystemScope();
            _provider = (await scope.ServiceProvider.GetRequiredService<ISender>().Send(new ListResellers(), cancellationToken)).Single(r => r.IsProvider).Id;
        }

        return issuerId == _provider ? null : throw new ConflictException("The issuer of this invoice takes no card payments; pay it by bank transfer.");
    }

    public async Task<string> CheckoutAsync(Invoice invoice, long openCents, string returnTo, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            throw new ConflictException("Card payments are not set up on this portal; pay by bank transfer.");
        }

        var account = await AccountOfAsync(invoice.IssuerId, cancellationToken);
        var client = new StripeClient(o.SecretKey, apiBase: o.ApiBase);
        var page = $"{returnTo}/admin/invoices/{invoice.Id}";
        var metadata = new Dictionary<string, string> { ["invoiceId"] = invoice.Id.ToString(), ["invoiceNumber"] = invoice.Number ?? "" };
        try
        {
            var session = await new SessionService(client).CreateAsync(
                new SessionCreateOptions
                {
                    Mode = "payment",
                    ClientReferenceId = invoice.Id.ToString(),
                    CustomerEmail = invoice.RecipientEmail,
                    LineItems =
                    [
                        new SessionLineItemOptions
                        {
                            Quantity = 1,
                            PriceData = new SessionLineItemPriceDataOptions
                            {
                                Currency = "eur",
                                UnitAmount = openCents,
                                ProductData = new SessionLineItemPriceDataProductDataOptions { Name = $"{invoice.IssuerName}: {invoice.Number}" },
                            },
                        },
                    ],
                    Metadata = metadata,
                    PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = metadata },
                    SuccessUrl = page + "?card=paid",
                    CancelUrl = page,
                },
                new RequestOptions { StripeAccount = account, IdempotencyKey = $"{invoice.Id:N}-{openCents}" },
                cancellationToken);
            return session.Url;
        }
        catch (StripeException e)
        {
            throw new ConflictException($"The payment service refused: {e.StripeError?.Message ?? e.Message}");
        }
    }
}
