using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Billing.Features;

/// <summary>The dunning sequence's timing (<c>Billing:Dunning</c>).</summary>
public sealed class DunningOptions
{
    public const string Section = "Billing:Dunning";

    /// <summary>Days from the invoice date to its due day.</summary>
    public int PaymentTermDays { get; set; } = 14;

    /// <summary>Days an invoice is overdue (unpaid after its due day) before the first reminder.</summary>
    public int FirstReminderDays { get; set; } = 3;

    /// <summary>Days between two steps: reminder, second reminder, final notice, suspension.</summary>
    public int StepDays { get; set; } = 7;

    /// <summary>The round runs every hour (on by default).</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>A payment's amount, day, method and reference, each with its reason (checked once the invoice was found).</summary>
internal static class RecordPaymentRules
{
    public const int MaxReference = 140;

    public static List<FieldError> Check(RecordPayment request, DateOnly today)
    {
        var errors = new List<FieldError>();
        if (request.Amount is not { } amount)
        {
            errors.Add(new FieldError("amount", "Give the amount received in EUR."));
        }
        else if (amount <= 0m || amount > Money.Highest * 100)
        {
            errors.Add(new FieldError("amount", "An amount received is more than 0 EUR."));
        }
        else if (decimal.Round(amount, 2) != amount)
        {
            errors.Add(new FieldError("amount", "An amount has at most two decimal places (cents)."));
        }

        if (request.PaidOn is { } day && (day > today || day.Year < 2000))
        {
            errors.Add(new FieldError("paidOn", "A payment is received today or on a day before, not in the future."));
        }

        if (!string.IsNullOrEmpty(request.Method) && !PaymentMethods.All.Contains(request.Method))
        {
            errors.Add(new FieldError("method", "Choose transfer, direct-debit, card, cash or other."));
        }

        var reference = request.Reference?.Trim() ?? "";
        if (reference.Length > MaxReference)
        {
            errors.Add(new FieldError("reference", $"Keep the reference to {MaxReference} characters."));
        }
        else if (reference.Any(char.IsControl))
        {
            errors.Add(new FieldError("reference", "Write the reference on one line, without control characters."));
        }

        return errors;
    }
}

/// <summary>
/// Records a payment (the invoice's issuer's staff). Settling the last invoice its customer was suspended for lifts
/// the suspension in the same transaction, and the VMs the suspension powered off start again.
/// </summary>
internal sealed class RecordPaymentHandler(PortalDbContext db, ITenantContext tenant, ISender sender, ISecurityAudit audit, TimeProvider clock)
    : ICommandHandler<RecordPayment, InvoiceView>
{
    public async ValueTask<InvoiceView> Handle(RecordPayment command, CancellationToken cancellationToken)
    {
        var invoice = await InvoiceViews.Visible(db, tenant).SingleOrDefaultAsync(i => i.Id == command.InvoiceId, cancellationToken)
            ?? throw new NotFoundException("The invoice");
        if (invoice.IssuerId != tenant.ResellerId || tenant.CustomerId is not null)
        {
            throw new ForbiddenException("Only its issuer records payments for an invoice.");
        }

        if (RecordPaymentRules.Check(command, ContractViews.Today(clock)) is { Count: > 0 } errors)
        {
            throw new RequestValidationException(errors);
        }

        if (invoice.Kind != Invoice.Regular)
        {
            throw new ConflictException("A cancellation invoice is not paid; it takes back another.");
        }

        if (invoice.Status != Invoice.Final)
        {
            throw new ConflictException("A draft has no number yet; the run issues it.");
        }

        if (await db.Set<Invoice>().AnyAsync(i => i.CancelsId == invoice.Id, cancellationToken))
        {
            throw new ConflictException("This invoice is cancelled; nothing is due on it.");
        }

        var open = invoice.GrossCents - await Payments.PaidCentsAsync(db, invoice.Id, cancellationToken);
        if (open <= 0)
        {
            throw new ConflictException("This invoice is paid in full.");
        }

        var cents = Money.Cents(command.Amount!.Value);
        if (cents > open)
        {
            throw new RequestValidationException("amount", $"Only {Money.Format(open)} is open on this invoice.");
        }

        var reference = string.IsNullOrWhiteSpace(command.Reference) ? null : command.Reference.Trim();
        if (reference is not null && await db.Set<InvoicePayment>().AnyAsync(p => p.InvoiceId == invoice.Id && p.Reference == reference, cancellationToken))
        {
            throw new ConflictException("A payment with this reference is recorded on this invoice already.");
        }

        await Payments.ApplyAsync(
            db, sender, audit, invoice, cents, open, command.PaidOn ?? ContractViews.Today(clock), string.IsNullOrEmpty(command.Method) ? "transfer" : command.Method,
            reference, tenant.UserName, clock, cancellationToken);
        return (await InvoiceViews.ViewsAsync(db, [invoice], withLines: true, clock, cancellationToken))[0];
    }
}

internal static class Payments
{
    /// <summary>Adds the payment; when it settles the last invoice its customer was suspended for, lifts the suspension.</summary>
    public static async Task ApplyAsync(
        PortalDbContext db, ISender sender, ISecurityAudit audit, Invoice invoice, long cents, long open, DateOnly paidOn, string method, string? reference, string by,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        db.Add(new InvoicePayment
        {
            Id = Guid.NewGuid(),
            InvoiceId = invoice.Id,
            ResellerId = invoice.ResellerId,
            CustomerId = invoice.CustomerId,
            AmountCents = cents,
            PaidOn = paidOn,
            Method = method,
            Reference = reference,
            RecordedBy = by,
            RecordedAt = clock.GetUtcNow(),
        });
        audit.Record("invoice.payment", invoice.Number ?? "", $"{Money.Format(cents)} received ({method}), {Money.Format(open - cents)} open", invoice.ResellerId, invoice.Wholesale ? null : invoice.CustomerId);
        await db.SaveChangesAsync(cancellationToken);

        if (open == cents && !invoice.Wholesale && !await AnySuspendingAsync(db, invoice.CustomerId, cancellationToken))
        {
            await sender.Send(new LiftCustomerSuspension(invoice.CustomerId, OnlyBilling: true), cancellationToken);
        }
    }

    public static async Task<long> PaidCentsAsync(PortalDbContext db, Guid invoiceId, CancellationToken cancellationToken) =>
        await db.Set<InvoicePayment>().Where(p => p.InvoiceId == invoiceId).SumAsync(p => (long?)p.AmountCents, cancellationToken) ?? 0;

    /// <summary>The issued invoices among <paramref name="invoices"/> that are not cancelled and not paid in full: the open items.</summary>
    public static IQueryable<Invoice> Unpaid(IQueryable<Invoice> invoices, PortalDbContext db) =>
        invoices.Where(i => i.Kind == Invoice.Regular && i.Status == Invoice.Final && !db.Set<Invoice>().Any(c => c.CancelsId == i.Id)
            && (db.Set<InvoicePayment>().Where(p => p.InvoiceId == i.Id).Sum(p => (long?)p.AmountCents) ?? 0) < i.GrossCents);

    /// <summary>An invoice of the customer that got it suspended is still not paid in full.</summary>
    public static Task<bool> AnySuspendingAsync(PortalDbContext db, Guid customerId, CancellationToken cancellationToken) =>
        Unpaid(db.Set<Invoice>().Where(i => i.CustomerId == customerId), db)
            .AnyAsync(i => db.Set<DunningStep>().Any(s => s.InvoiceId == i.Id && s.Level == DunningStep.Suspension), cancellationToken);
}
