using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using VirtualCore.Framework.Events;
using VirtualCore.Modules.Billing.Domain;

namespace VirtualCore.Modules.Billing.Features;

/// <summary>Invoices (and cancellation invoices) issued, as events for webhooks: the recipient hears, and so does the issuing reseller.</summary>
internal sealed class InvoiceEvents(TimeProvider clock) : ITenantEventSource
{
    public const string Issued = "invoice.issued";

    public static readonly TenantEventType[] Types =
    [
        new(Issued, "An invoice or cancellation invoice was issued (it never changes after); data.invoice has its number, period and amounts in EUR. Fetch its PDF or XRechnung from /api/v1/invoices/{id}."),
    ];

    public void Collect(ChangeTracker changes, ICollection<TenantEvent> events)
    {
        foreach (var entry in changes.Entries<Invoice>())
        {
            var invoice = entry.Entity;
            var issued = invoice.Status == Invoice.Final
                && (entry.State == EntityState.Added || (entry.State == EntityState.Modified && entry.Property(i => i.Status).OriginalValue != Invoice.Final));
            if (!issued)
            {
                continue;
            }

            events.Add(new TenantEvent(
                TenantEvent.IdOf($"{Issued}:{invoice.Id:N}"),
                Issued,
                invoice.ResellerId,
                invoice.CustomerId,
                clock.GetUtcNow(),
                new
                {
                    invoice = new
                    {
                        id = invoice.Id,
                        number = invoice.Number,
                        kind = invoice.Kind,
                        wholesale = invoice.Wholesale,
                        issuedOn = invoice.IssuedOn,
                        dueOn = invoice.DueOn,
                        periodStart = invoice.PeriodStart,
                        periodEnd = invoice.PeriodEnd,
                        issuer = invoice.IssuerName,
                        recipient = invoice.RecipientName,
                        net = invoice.NetCents / 100m,
                        vat = invoice.VatCents / 100m,
                        gross = invoice.GrossCents / 100m,
                        currency = "EUR",
                        cancels = invoice.CancelsId,
                    },
                }));
        }
    }
}
