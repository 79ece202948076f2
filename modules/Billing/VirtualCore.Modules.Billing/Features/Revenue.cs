using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;

namespace VirtualCore.Modules.Billing.Features;

/// <summary>
/// A year of the caller's invoicing by month: what it issued (cancellations taken off), what was paid on it and what is
/// open and overdue; for a reseller also what the operator invoiced it, and the margin.
/// </summary>
internal sealed class GetRevenueHandler(PortalDbContext db, ITenantContext tenant, TimeProvider clock) : IQueryHandler<GetRevenue, RevenueView>
{
    public async ValueTask<RevenueView> Handle(GetRevenue query, CancellationToken cancellationToken)
    {
        if (tenant.CustomerId is not null || tenant.ResellerId is not { } me)
        {
            throw new ForbiddenException("Revenue is for the staff of the one who invoices.");
        }

        var today = ContractViews.Today(clock);
        var year = query.Year ?? today.Year;
        if (year is < 2000 or > 2999)
        {
            throw new RequestValidationException("year", "Give a year from 2000 to 2999.");
        }

        var from = new DateOnly(year, 1, 1);
        var to = from.AddYears(1);
        var issued = await db.Set<Invoice>().AsNoTracking()
            .Where(i => i.IssuerId == me && i.Status == Invoice.Final && i.PeriodStart >= from && i.PeriodStart < to)
            .Select(i => new
            {
                i.PeriodStart,
                i.Kind,
                i.NetCents,
                i.GrossCents,
                i.DueOn,
                Cancelled = db.Set<Invoice>().Any(c => c.CancelsId == i.Id),
                Paid = db.Set<InvoicePayment>().Where(p => p.InvoiceId == i.Id).Sum(p => (long?)p.AmountCents) ?? 0,
            })
            .ToListAsync(cancellationToken);
        var bought = await db.Set<Invoice>().AsNoTracking()
            .Where(i => i.RecipientId == me && i.CustomerId == Guid.Empty && i.IssuerId != me && i.Status == Invoice.Final && i.PeriodStart >= from && i.PeriodStart < to)
            .Select(i => new { i.PeriodStart, i.NetCents })
            .ToListAsync(cancellationToken);

        RevenueMonth Sum(string label, Func<DateOnly, bool> inMonth)
        {
            var month = issued.Where(i => inMonth(i.PeriodStart)).ToList();
            var open = month.Where(i => i.Kind == Invoice.Regular && !i.Cancelled).Select(i => (i.DueOn, Open: Math.Max(0, i.GrossCents - i.Paid))).ToList();
            var net = month.Sum(i => i.NetCents);
            var purchased = bought.Where(i => inMonth(i.PeriodStart)).Sum(i => i.NetCents);
            return new RevenueMonth(
                label,
                month.Count(i => i.Kind == Invoice.Regular),
                Money.Euros(net),
                Money.Euros(month.Sum(i => i.GrossCents)),
                Money.Euros(month.Sum(i => i.Paid)),
                Money.Euros(open.Sum(o => o.Open)),
                Money.Euros(open.Where(o => o.DueOn is { } due && due < today).Sum(o => o.Open)),
                Money.Euros(purchased),
                Money.Euros(net - purchased));
        }

        var months = Enumerable.Range(1, 12)
            .Select(m => Sum($"{year}-{m:00}", d => d.Month == m))
            .ToList();
        return new RevenueView(year, months, Sum(year.ToString(System.Globalization.CultureInfo.InvariantCulture), _ => true), !tenant.IsOperator);
    }
}
