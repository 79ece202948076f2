using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Billing.Features;

/// <summary>
/// The monthly run. It works in three steps, each safe to repeat and to run beside another instance doing the same:
/// it reads what must be invoiced, adds each missing invoice as a draft (a unique key on issuer, recipient, month and
/// revision lets only one instance add it), then gives every draft the next numbers of its issuer's series — the
/// series row and the invoices in one transaction, each checked against its version, so a number is used once and
/// none is skipped. A run killed between the steps leaves drafts; the next run numbers them.
/// </summary>
internal sealed class InvoiceRun(IServiceScopeFactory scopes, TimeProvider clock, ILogger<InvoiceRun> logger)
{
    private const int Batch = 500;

    public async Task<InvoiceRunResult> RunAsync(DateOnly month, CancellationToken cancellationToken)
    {
        var (created, already, skipped) = await CreateDraftsAsync(month, cancellationToken);
        var issued = await IssueDraftsAsync(scopes, clock, cancellationToken);
        logger.LogInformation("Invoice run for {Month:yyyy-MM}: {Created} created, {Issued} issued, {Already} already invoiced, {Skipped} skipped", month, created, issued, already, skipped.Count);
        return new InvoiceRunResult(month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture), created, issued, already, skipped);
    }

    private sealed record Recipient(Guid IssuerId, Guid RecipientId, Guid ResellerId, Guid CustomerId, List<Contract> Contracts);

    private async Task<(int Created, int Already, List<string> Skipped)> CreateDraftsAsync(DateOnly month, CancellationToken cancellationToken)
    {
        var last = InvoiceMath.MonthEnd(month);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var resellers = await sender.Send(new ListResellers(), cancellationToken);
        var customers = (await sender.Send(new ListCustomers(), cancellationToken)).ToDictionary(c => c.Id);
        var provider = resellers.Single(r => r.IsProvider);
        var languages = resellers.ToDictionary(r => r.Id, r => r.Language);
        var names = resellers.ToDictionary(r => r.Id, r => r.Name);
        foreach (var c in customers.Values)
        {
            names[c.Id] = c.Name;
        }

        // Contracts that ended last month too, when days were invoiced after their last day (in advance, before a larger
        // plan replaced them): those days are credited. A plan ordered last month after its invoice and replaced in the
        // same month has its days come on this month's invoice, as any contract ordered after its month was invoiced.
        var previous = month.AddMonths(-1);
        var contracts = await db.Set<Contract>().AsNoTracking()
            .Where(c => c.StartsOn <= last && (c.EndsOn == null || c.EndsOn >= previous))
            .OrderBy(c => c.StartsOn).ThenBy(c => c.CreatedAt).ThenBy(c => c.Id)
            .ToListAsync(cancellationToken);
        var credits = await CreditsAsync(db, [.. contracts.Where(c => c.EndsOn is not null)], previous, cancellationToken);
        contracts.RemoveAll(c => c.EndsOn < month && c.ReplacedById is null && !credits.Contains((c.Id, false)) && !credits.Contains((c.Id, true)));
        var details = await db.Set<BillingDetails>().AsNoTracking().ToDictionaryAsync(d => d.PartyId, cancellationToken);

        // What each month's regular invoices already cover: a recipient is done while one of them is not cancelled.
        var existing = await db.Set<Invoice>().AsNoTracking()
            .Where(i => i.PeriodStart == month && i.Kind == Invoice.Regular)
            .Select(i => new { i.Id, i.IssuerId, i.RecipientId, i.Revision })
            .ToListAsync(cancellationToken);
        var existingOf = existing.ToLookup(i => (i.IssuerId, i.RecipientId));
        var cancelled = (await db.Set<Invoice>().AsNoTracking()
            .Where(i => i.PeriodStart == month && i.Kind == Invoice.Cancellation && i.CancelsId != null)
            .Select(i => i.CancelsId!.Value).ToListAsync(cancellationToken)).ToHashSet();

        var recipients = contracts.GroupBy(c => (c.ResellerId, c.CustomerId))
            .Select(g => new Recipient(g.Key.ResellerId, g.Key.CustomerId, g.Key.ResellerId, g.Key.CustomerId, [.. g]))
            .Concat(contracts.Where(c => c.ResellerId != provider.Id).GroupBy(c => c.ResellerId)
                .Select(g => new Recipient(provider.Id, g.Key, g.Key, Guid.Empty, [.. g])));

        var pending = new List<(Recipient Recipient, BillingDetails Issuer, BillingDetails Details, int Revision)>();
        var skipped = new List<string>();
        var already = 0;
        foreach (var r in recipients)
        {
            var before = existingOf[(r.IssuerId, r.RecipientId)].ToList();
            if (before.Any(i => !cancelled.Contains(i.Id)))
            {
                already++;
                continue;
            }

            var who = $"{names.GetValueOrDefault(r.IssuerId, r.IssuerId.ToString())} → {names.GetValueOrDefault(r.RecipientId, r.RecipientId.ToString())}";
            if (!details.TryGetValue(r.IssuerId, out var issuer))
            {
                skipped.Add($"{who}: the issuer has no billing details.");
            }
            else if (issuer.VatId is null && issuer.TaxNumber is null)
            {
                skipped.Add($"{who}: the issuer has neither a VAT ID nor a tax number (§ 14 UStG).");
            }
            else if (!details.TryGetValue(r.RecipientId, out var recipient))
            {
                skipped.Add($"{who}: the recipient has no billing details.");
            }
            else
            {
                pending.Add((r, issuer, recipient, before.Count == 0 ? 0 : before.Max(i => i.Revision) + 1));
            }
        }

        // Days already invoiced, by contract, side (retail or wholesale) and month, on invoices not cancelled: a contract
        // ordered last month after its customer's invoice for that month was made has its first days come on this month's
        // invoice, and a month's days that came on a later invoice that way are not invoiced again.
        var ids = pending.SelectMany(p => p.Recipient.Contracts).Select(c => c.Id).Distinct().ToList();
        var invoiced = ids.Count == 0
            ? []
            : (await (from l in db.Set<InvoiceLine>()
                      join i in db.Set<Invoice>() on l.InvoiceId equals i.Id
                      where i.Kind == Invoice.Regular && l.From >= previous && l.From <= last && l.ContractId != null && ids.Contains(l.ContractId.Value)
                            && !db.Set<Invoice>().Any(x => x.CancelsId == i.Id)
                      select new { Contract = l.ContractId!.Value, Wholesale = i.CustomerId == Guid.Empty, l.From }).ToListAsync(cancellationToken))
                .Select(x => (x.Contract, x.Wholesale, x.From >= month ? month : previous)).ToHashSet();

        var drafts = new List<Invoice>();
        foreach (var (r, issuer, recipient, revision) in pending)
        {
            var wholesale = r.CustomerId == Guid.Empty;
            var invoice = Build(month, r, issuer, recipient, languages.GetValueOrDefault(r.IssuerId, "en"), (c, of) => !invoiced.Contains((c.Id, wholesale, of)), c =>
                wholesale ? $"{c.ProductName} — {(details.TryGetValue(c.CustomerId, out var d) ? d.LegalName : names.GetValueOrDefault(c.CustomerId, ""))}" : c.ProductName,
                wholesale ? c => c.WholesaleCents : c => c.MonthlyNetCents, c => credits[(c.Id, wholesale)]);
            if (invoice.Lines.Count == 0)
            {
                already++;
                continue;
            }

            invoice.Revision = revision;
            drafts.Add(invoice);
        }

        var created = 0;
        foreach (var chunk in drafts.Chunk(Batch))
        {
            created += await AddAsync(db, chunk, cancellationToken);
        }

        return (created, already + (drafts.Count - created), skipped);
    }

    private sealed record Credit(DateOnly From, DateOnly To, int Days, int DaysInMonth, long MonthlyCents, long Cents);

    /// <summary>
    /// What to credit, by contract and side (wholesale or not): the days of lines on invoices not cancelled, from last
    /// month on, that lie after the contract's last day — it was invoiced in advance and then ended earlier (a larger plan
    /// replaced it). A day credited once, on an invoice not cancelled, is not credited again.
    /// </summary>
    private static async Task<ILookup<(Guid, bool), Credit>> CreditsAsync(PortalDbContext db, IReadOnlyList<Contract> ended, DateOnly previous, CancellationToken cancellationToken)
    {
        if (ended.Count == 0)
        {
            return Array.Empty<Credit>().ToLookup(_ => (Guid.Empty, false));
        }

        var ids = ended.Select(c => c.Id).ToList();
        var lines = await (from l in db.Set<InvoiceLine>()
                           join i in db.Set<Invoice>() on l.InvoiceId equals i.Id
                           where i.Kind == Invoice.Regular && l.To >= previous && l.ContractId != null && ids.Contains(l.ContractId.Value)
                                 && !db.Set<Invoice>().Any(x => x.CancelsId == i.Id)
                           select new { Contract = l.ContractId!.Value, Wholesale = i.CustomerId == Guid.Empty, l.From, l.To, l.MonthlyCents, l.NetCents })
            .ToListAsync(cancellationToken);
        var credited = lines.Where(l => l.NetCents < 0).Select(l => (l.Contract, l.Wholesale, l.From)).ToHashSet();
        var lastDay = ended.ToDictionary(c => c.Id, c => c.EndsOn!.Value);
        var credits = new List<((Guid, bool) Key, Credit Credit)>();
        foreach (var l in lines.Where(l => l.NetCents > 0 && l.To > lastDay[l.Contract]))
        {
            var from = lastDay[l.Contract] >= l.From ? lastDay[l.Contract].AddDays(1) : l.From;
            if (!credited.Contains((l.Contract, l.Wholesale, from))
                && InvoiceMath.Prorate(new DateOnly(l.From.Year, l.From.Month, 1), from, l.To, l.MonthlyCents) is { } part)
            {
                credits.Add(((l.Contract, l.Wholesale), new Credit(part.From, part.To, part.Days, part.DaysInMonth, l.MonthlyCents, -part.Cents)));
            }
        }

        return credits.ToLookup(c => c.Key, c => c.Credit);
    }

    private Invoice Build(
        DateOnly month, Recipient r, BillingDetails issuer, BillingDetails recipient, string language, Func<Contract, DateOnly, bool> due, Func<Contract, string> describe, Func<Contract, long> monthly,
        Func<Contract, IEnumerable<Credit>> credits)
    {
        var invoice = new Invoice
        {
            Id = Guid.NewGuid(),
            IssuerId = r.IssuerId,
            ResellerId = r.ResellerId,
            CustomerId = r.CustomerId,
            RecipientId = r.RecipientId,
            PeriodStart = month,
            PeriodEnd = InvoiceMath.MonthEnd(month),
            CreatedAt = clock.GetUtcNow(),
        };
        invoice.Issuer(issuer);
        invoice.Recipient(recipient);
        var parts = r.Contracts.Select(c => (Contract: c, Month: month.AddMonths(-1)))
            .Where(p => p.Contract.StartsOn >= p.Month && p.Contract.StartsOn < month)
            .Concat(r.Contracts.Select(c => (Contract: c, Month: month)))
            .Where(p => due(p.Contract, p.Month));
        foreach (var (c, of) in parts)
        {
            if (InvoiceMath.Prorate(of, c.StartsOn, c.EndsOn, monthly(c)) is { } part)
            {
                invoice.Lines.Add(new InvoiceLine
                {
                    InvoiceId = invoice.Id,
                    Position = invoice.Lines.Count + 1,
                    ContractId = c.Id,
                    Description = describe(c),
                    From = part.From,
                    To = part.To,
                    Days = part.Days,
                    DaysInMonth = part.DaysInMonth,
                    MonthlyCents = monthly(c),
                    NetCents = part.Cents,
                });
            }
        }

        foreach (var c in r.Contracts)
        {
            foreach (var credit in credits(c))
            {
                invoice.Lines.Add(new InvoiceLine
                {
                    InvoiceId = invoice.Id,
                    Position = invoice.Lines.Count + 1,
                    ContractId = c.Id,
                    Description = Fit($"{describe(c)} — {InvoiceMath.Credit(c.EndsOn!.Value, language)}"),
                    From = credit.From,
                    To = credit.To,
                    Days = credit.Days,
                    DaysInMonth = credit.DaysInMonth,
                    MonthlyCents = credit.MonthlyCents,
                    NetCents = credit.Cents,
                });
            }
        }

        invoice.VatTreatment = InvoiceMath.Treatment(issuer.SmallBusiness, recipient.CountryCode, recipient.VatId);
        invoice.VatRateBasisPoints = InvoiceMath.RateBasisPoints(invoice.VatTreatment);
        invoice.Note = InvoiceMath.Note(invoice.VatTreatment, language);
        invoice.NetCents = invoice.Lines.Sum(l => l.NetCents);
        invoice.VatCents = InvoiceMath.Vat(invoice.NetCents, invoice.VatRateBasisPoints);
        invoice.GrossCents = invoice.NetCents + invoice.VatCents;
        return invoice;
    }

    /// <summary>A line's description within its column (a wholesale line names the customer too).</summary>
    private static string Fit(string description) => description.Length <= InvoiceLine.MaxDescription ? description : description[..(InvoiceLine.MaxDescription - 1)] + "…";

    /// <summary>
    /// Adds the drafts together, or one by one when the database refused the batch: a draft another instance added in
    /// between (its unique key is taken) is left out, one refused only because the database was busy is tried again.
    /// </summary>
    private static async Task<int> AddAsync(PortalDbContext db, IReadOnlyList<Invoice> drafts, CancellationToken cancellationToken)
    {
        try
        {
            db.AddRange(drafts);
            await db.SaveChangesAsync(cancellationToken);
            return drafts.Count;
        }
        catch (DbUpdateException e) when (ConcurrentChange.IsConcurrentChange(e))
        {
            db.ChangeTracker.Clear();
        }
        finally
        {
            db.ChangeTracker.Clear();
        }

        var added = 0;
        foreach (var draft in drafts)
        {
            for (var attempt = 0; ; attempt++)
            {
                if (await db.Set<Invoice>().AnyAsync(
                    i => i.IssuerId == draft.IssuerId && i.RecipientId == draft.RecipientId && i.PeriodStart == draft.PeriodStart && i.Kind == draft.Kind && i.Revision == draft.Revision,
                    cancellationToken))
                {
                    break;
                }

                try
                {
                    db.Add(draft);
                    await db.SaveChangesAsync(cancellationToken);
                    added++;
                    break;
                }
                catch (DbUpdateException e) when (ConcurrentChange.IsConcurrentChange(e) && attempt < 20)
                {
                }
                finally
                {
                    db.ChangeTracker.Clear();
                }
            }
        }

        return added;
    }

    /// <summary>
    /// Gives every draft (of any month, oldest first) the next number of its issuer's series for the year it is issued in.
    /// Returns how many this call numbered; another instance numbering the same drafts at the same time makes this
    /// call's transaction fail as a whole, after which it reads again and goes on with what is left.
    /// </summary>
    public static async Task<int> IssueDraftsAsync(IServiceScopeFactory scopes, TimeProvider clock, CancellationToken cancellationToken)
    {
        var issued = 0;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var issuer = await db.Set<Invoice>().Where(i => i.Status == Invoice.Draft).OrderBy(i => i.CreatedAt).Select(i => (Guid?)i.IssuerId).FirstOrDefaultAsync(cancellationToken);
            if (issuer is not { } issuerId)
            {
                return issued;
            }

            var term = scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<DunningOptions>>().Value.PaymentTermDays;
            var drafts = await db.Set<Invoice>().Where(i => i.Status == Invoice.Draft && i.IssuerId == issuerId)
                .OrderBy(i => i.CreatedAt).ThenBy(i => i.RecipientId).ThenBy(i => i.Id).Take(Batch).ToListAsync(cancellationToken);
            try
            {
                await NumberAsync(db, drafts, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), cancellationToken, term);
                await db.SaveChangesAsync(cancellationToken);
                issued += drafts.Count;
            }
            catch (DbUpdateException e) when (ConcurrentChange.IsConcurrentChange(e))
            {
                // Another instance numbered some of these first; read again.
            }
        }

        return issued;
    }

    /// <summary>
    /// Gives <paramref name="drafts"/> (one issuer's) the next numbers of that issuer's series, and an invoice its due day
    /// <paramref name="termDays"/> after today (a cancellation invoice has none); the caller saves.
    /// </summary>
    public static async Task NumberAsync(PortalDbContext db, IReadOnlyList<Invoice> drafts, DateOnly today, CancellationToken cancellationToken, int termDays = 0)
    {
        if (drafts.Count == 0)
        {
            return;
        }

        var issuerId = drafts[0].IssuerId;
        var series = await db.Set<InvoiceSeries>().SingleOrDefaultAsync(s => s.IssuerId == issuerId && s.Year == today.Year, cancellationToken);
        if (series is null)
        {
            series = new InvoiceSeries { IssuerId = issuerId, Year = today.Year };
            db.Add(series);
        }

        foreach (var draft in drafts)
        {
            series.Last++;
            draft.Number = InvoiceMath.Number(today.Year, series.Last);
            draft.IssuedOn = today;
            draft.DueOn = draft.Kind == Invoice.Regular ? today.AddDays(termDays) : null;
            draft.Status = Invoice.Final;
        }
    }
}

/// <summary>Runs the current month's invoices when the month has none yet: on start and every hour (Billing:MonthlyRun, on by default).</summary>
internal sealed class InvoiceScheduler(InvoiceRun run, IConfiguration configuration, TimeProvider clock, ILogger<InvoiceScheduler> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Billing:MonthlyRun", true))
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
                await run.RunAsync(new DateOnly(today.Year, today.Month, 1), stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "The monthly invoice run failed; it runs again within the hour");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
