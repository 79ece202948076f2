using System.Text.RegularExpressions;
using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Billing.Features;

internal static partial class BillingParties
{
    /// <summary>ISO 3166-1 alpha-2 codes of the countries (and the territories with their own code).</summary>
    private static readonly HashSet<string> Countries = [.. (
        "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG " +
        "CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL " +
        "GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA " +
        "LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP " +
        "NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV " +
        "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW").Split(' ')];

    public static bool IsCountry(string code) => Countries.Contains(code);

    /// <summary>A VAT ID: the country's prefix (EL for Greece), then 2–13 letters and digits.</summary>
    [GeneratedRegex("^[A-Z]{2}[0-9A-Z]{2,13}$", RegexOptions.CultureInvariant)]
    public static partial Regex VatIdPattern();

    [GeneratedRegex(@"^[0-9A-Za-z][0-9A-Za-z \-]{0,15}$", RegexOptions.CultureInvariant)]
    public static partial Regex PostalCodePattern();

    public static string VatPrefix(string country) => country == "GR" ? "EL" : country;

    /// <summary>Whose details the caller keeps: its customer's (a customer's administrator) or its reseller's (staff).</summary>
    public static (Guid Party, Guid Reseller, bool IsCustomer) Of(ITenantContext tenant)
    {
        var reseller = tenant.ResellerId ?? throw new ForbiddenException("Billing details belong to a reseller's portal; sign in on one.");
        if (tenant.CustomerId is { } customer)
        {
            return tenant.Role == TenantClaims.CustomerAdminRole
                ? (customer, reseller, true)
                : throw new ForbiddenException("Only your account's administrators keep its billing details.");
        }

        return (reseller, reseller, false);
    }

    /// <summary>Trims and upper-cases what is typed, and removes the spaces people put into VAT IDs.</summary>
    public static SetBillingDetails Normalised(SetBillingDetails d) => d with
    {
        LegalName = d.LegalName?.Trim(),
        Street = d.Street?.Trim(),
        PostalCode = d.PostalCode?.Trim(),
        City = d.City?.Trim(),
        CountryCode = d.CountryCode?.Trim().ToUpperInvariant(),
        VatId = string.IsNullOrWhiteSpace(d.VatId) ? null : d.VatId.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant(),
        Email = string.IsNullOrWhiteSpace(d.Email) ? null : d.Email.Trim(),
        TaxNumber = string.IsNullOrWhiteSpace(d.TaxNumber) ? null : d.TaxNumber.Trim(),
        Phone = string.IsNullOrWhiteSpace(d.Phone) ? null : d.Phone.Trim(),
        Iban = string.IsNullOrWhiteSpace(d.Iban) ? null : d.Iban.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant(),
    };

    [GeneratedRegex(@"^[0-9][0-9/ ]{8,18}[0-9]$", RegexOptions.CultureInvariant)]
    public static partial Regex TaxNumberPattern();

    [GeneratedRegex(@"^\+?[0-9][0-9 ()/\-]{4,28}[0-9]$", RegexOptions.CultureInvariant)]
    public static partial Regex PhonePattern();

    /// <summary>An IBAN: country, check digits and up to 30 letters and digits, its check digits right (ISO 13616, mod 97).</summary>
    public static bool IsIban(string iban)
    {
        if (iban.Length is < 15 or > 34 || !char.IsAsciiLetterUpper(iban[0]) || !char.IsAsciiLetterUpper(iban[1]) || !iban.All(char.IsAsciiLetterOrDigit) || iban.Any(char.IsAsciiLetterLower))
        {
            return false;
        }

        var remainder = 0;
        foreach (var c in iban[4..] + iban[..4])
        {
            var value = char.IsAsciiDigit(c) ? c - '0' : c - 'A' + 10;
            remainder = value >= 10 ? ((remainder * 100) + value) % 97 : ((remainder * 10) + value) % 97;
        }

        return remainder == 1;
    }
}

internal sealed class SetBillingDetailsValidator(ITenantContext tenant) : IValidator<SetBillingDetails>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(SetBillingDetails request, CancellationToken cancellationToken)
    {
        var d = BillingParties.Normalised(request);
        var errors = new List<FieldError>();
        void Text(string field, string? value, int max, string missing, string tooLong)
        {
            if (string.IsNullOrEmpty(value))
            {
                errors.Add(new FieldError(field, missing));
            }
            else if (value.Length > max || value.Any(char.IsControl))
            {
                errors.Add(new FieldError(field, tooLong));
            }
        }

        Text("legalName", d.LegalName, 120, "Give the full legal name; invoices must show it.", "The legal name is one line of at most 120 characters.");
        Text("street", d.Street, 120, "Give the street and number; invoices must show them.", "The street is one line of at most 120 characters.");
        Text("city", d.City, 80, "Give the town or city; invoices must show it.", "The town or city is one line of at most 80 characters.");
        if (string.IsNullOrEmpty(d.PostalCode) || !BillingParties.PostalCodePattern().IsMatch(d.PostalCode))
        {
            errors.Add(new FieldError("postalCode", "Give the postal code: up to 16 letters, digits, spaces or hyphens."));
        }

        if (d.CountryCode is not { } country || !BillingParties.IsCountry(country))
        {
            errors.Add(new FieldError("countryCode", "Give the country as its two-letter ISO code, e.g. DE."));
        }
        else if (d.VatId is { } vat && (!BillingParties.VatIdPattern().IsMatch(vat) || !vat.StartsWith(BillingParties.VatPrefix(country), StringComparison.Ordinal)))
        {
            errors.Add(new FieldError("vatId", "A VAT ID starts with its country's two letters (EL for Greece), then 2 to 13 letters and digits."));
        }

        if (d.Email is { } email && (email.Length > 200 || !System.Net.Mail.MailAddress.TryCreate(email, out var parsed) || parsed.Address != email))
        {
            errors.Add(new FieldError("email", "Give one e-mail address (at most 200 characters), or none."));
        }

        if (d.SmallBusiness && tenant.CustomerId is not null)
        {
            errors.Add(new FieldError("smallBusiness", "Only an issuer of invoices (a reseller or the operator) charges no VAT as a small business."));
        }

        if (d.TaxNumber is { } taxNumber && (tenant.CustomerId is not null || !BillingParties.TaxNumberPattern().IsMatch(taxNumber)))
        {
            errors.Add(new FieldError("taxNumber", tenant.CustomerId is not null ? "Only an issuer's invoices show its tax number." : "A tax number has 10 to 20 digits, slashes and spaces, e.g. 21/815/08150."));
        }

        if (d.Iban is { } iban && (tenant.CustomerId is not null || !BillingParties.IsIban(iban)))
        {
            errors.Add(new FieldError("iban", tenant.CustomerId is not null ? "Only an issuer's invoices name a bank account to pay to." : "This is no IBAN: its check digits do not match."));
        }

        if (d.Phone is { } phone && !BillingParties.PhonePattern().IsMatch(phone))
        {
            errors.Add(new FieldError("phone", "Give a telephone number of digits, spaces and + ( ) / -, at most 30 characters."));
        }

        return ValueTask.FromResult<IReadOnlyList<FieldError>>(errors);
    }
}

internal sealed class GetBillingDetailsHandler(PortalDbContext db, ITenantContext tenant) : IQueryHandler<GetBillingDetails, BillingDetailsView?>
{
    public async ValueTask<BillingDetailsView?> Handle(GetBillingDetails query, CancellationToken cancellationToken)
    {
        var (party, _, _) = BillingParties.Of(tenant);
        return (await db.Set<BillingDetails>().AsNoTracking().SingleOrDefaultAsync(d => d.PartyId == party, cancellationToken))?.View();
    }
}

internal sealed class SetBillingDetailsHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit, TimeProvider clock) : ICommandHandler<SetBillingDetails, BillingDetailsView>
{
    public async ValueTask<BillingDetailsView> Handle(SetBillingDetails command, CancellationToken cancellationToken)
    {
        var (party, reseller, isCustomer) = BillingParties.Of(tenant);
        var d = BillingParties.Normalised(command);
        var details = await db.Set<BillingDetails>().SingleOrDefaultAsync(x => x.PartyId == party, cancellationToken);
        if (details is null)
        {
            details = new BillingDetails { PartyId = party, ResellerId = reseller, IsCustomer = isCustomer };
            db.Add(details);
        }

        (details.LegalName, details.Street, details.PostalCode, details.City, details.CountryCode, details.VatId, details.Email, details.SmallBusiness) =
            (d.LegalName!, d.Street!, d.PostalCode!, d.City!, d.CountryCode!, d.VatId, d.Email, d.SmallBusiness && !isCustomer);
        (details.TaxNumber, details.Phone, details.Iban) = (isCustomer ? null : d.TaxNumber, d.Phone, isCustomer ? null : d.Iban);
        details.UpdatedAt = clock.GetUtcNow();
        audit.Record("billing.details", details.LegalName, $"{details.PostalCode} {details.City}, {details.CountryCode}{(details.VatId is null ? "" : ", VAT ID " + details.VatId)}{(details.SmallBusiness ? ", small business (§ 19 UStG)" : "")}");
        return details.View();
    }
}

internal static class InvoiceViews
{
    /// <summary>
    /// The invoices the caller issued or received: a customer's own (issued ones only), a reseller's to its customers
    /// (drafts too) and from the operator, the operator's own. The tenant filter keeps other tenants' out first.
    /// </summary>
    public static IQueryable<Invoice> Visible(PortalDbContext db, ITenantContext tenant)
    {
        var me = tenant.ResellerId ?? Guid.Empty;
        var invoices = db.Set<Invoice>().AsNoTracking();
        return tenant.CustomerId is { } customer
            ? invoices.Where(i => i.CustomerId == customer && i.Status == Invoice.Final)
            : invoices.Where(i => i.IssuerId == me || (i.RecipientId == me && i.Status == Invoice.Final));
    }

    public static async Task<IReadOnlyList<InvoiceView>> ViewsAsync(
        PortalDbContext db, IReadOnlyList<Invoice> invoices, bool withLines, TimeProvider clock, CancellationToken cancellationToken)
    {
        var ids = invoices.Select(i => i.Id).ToList();
        var cancelsIds = invoices.Where(i => i.CancelsId != null).Select(i => i.CancelsId!.Value).ToList();
        var cancelledBy = await db.Set<Invoice>().AsNoTracking().Where(i => i.CancelsId != null && ids.Contains(i.CancelsId.Value))
            .Select(i => new { Of = i.CancelsId!.Value, i.Number }).ToDictionaryAsync(x => x.Of, x => x.Number, cancellationToken);
        var cancels = await db.Set<Invoice>().AsNoTracking().Where(i => cancelsIds.Contains(i.Id))
            .Select(i => new { i.Id, i.Number }).ToDictionaryAsync(x => x.Id, x => x.Number, cancellationToken);
        var lines = withLines
            ? (await db.Set<InvoiceLine>().AsNoTracking().Where(l => ids.Contains(l.InvoiceId)).ToListAsync(cancellationToken)).ToLookup(l => l.InvoiceId)
            : Enumerable.Empty<InvoiceLine>().ToLookup(l => l.InvoiceId);
        var payments = (await db.Set<InvoicePayment>().AsNoTracking().Where(p => ids.Contains(p.InvoiceId)).ToListAsync(cancellationToken)).ToLookup(p => p.InvoiceId);
        var steps = withLines
            ? (await db.Set<DunningStep>().AsNoTracking().Where(s => ids.Contains(s.InvoiceId)).ToListAsync(cancellationToken)).ToLookup(s => s.InvoiceId)
            : Enumerable.Empty<DunningStep>().ToLookup(s => s.InvoiceId);
        var today = ContractViews.Today(clock);
        return [.. invoices.Select(i =>
        {
            var paid = payments[i.Id].Sum(p => p.AmountCents);
            var cancelled = cancelledBy.ContainsKey(i.Id);
            var open = i.Kind == Invoice.Regular && i.Status == Invoice.Final && !cancelled ? Math.Max(0, i.GrossCents - paid) : 0;
            var state = i.Kind != Invoice.Regular || i.Status != Invoice.Final ? ""
                : cancelled ? PaymentStates.Cancelled
                : open == 0 ? PaymentStates.Paid
                : i.DueOn is { } due && due < today ? PaymentStates.Overdue
                : PaymentStates.Open;
            return new InvoiceView(
                i.Id, i.IssuerId, i.Number ?? "", i.Kind, i.Status, i.IssuedOn, i.PeriodStart, i.PeriodEnd, i.IssuerView(), i.RecipientView(), i.Wholesale,
                i.VatTreatment, i.VatRateBasisPoints / 100m, i.Note, Money.Euros(i.NetCents), Money.Euros(i.VatCents), Money.Euros(i.GrossCents),
                i.CancelsId is { } of ? cancels.GetValueOrDefault(of) : null,
                cancelledBy.GetValueOrDefault(i.Id),
                [.. lines[i.Id].OrderBy(l => l.Position).Select(l => new InvoiceLineView(
                    l.Position, l.ContractId, l.Description, l.From, l.To, l.Days, l.DaysInMonth, Money.Euros(l.MonthlyCents), Money.Euros(l.NetCents)))],
                i.DueOn, Money.Euros(paid), Money.Euros(open), state,
                withLines ? [.. payments[i.Id].OrderBy(p => p.PaidOn).ThenBy(p => p.RecordedAt).Select(p => new InvoicePaymentView(
                    p.Id, Money.Euros(p.AmountCents), p.PaidOn, p.Method, p.Reference ?? "", p.RecordedBy, p.RecordedAt))] : null,
                withLines ? [.. steps[i.Id].OrderBy(s => s.Level).Select(s => new DunningStepView(
                    s.Level, s.At, Money.Euros(s.OpenCents), s.MailedAt is not null, s.MailError))] : null);
        })];
    }

    public static DateOnly Month(string? period, TimeProvider clock, string field = "period")
    {
        if (string.IsNullOrWhiteSpace(period))
        {
            var today = ContractViews.Today(clock);
            return new DateOnly(today.Year, today.Month, 1);
        }

        return InvoiceMath.ParsePeriod(period.Trim())
            ?? throw new RequestValidationException([new FieldError(field, "Give the month as YYYY-MM, e.g. 2026-12.")]);
    }
}

internal sealed class ListInvoicesHandler(PortalDbContext db, ITenantContext tenant, TimeProvider clock) : IQueryHandler<ListInvoices, InvoiceList>
{
    public async ValueTask<InvoiceList> Handle(ListInvoices query, CancellationToken cancellationToken)
    {
        if (query.Page is < 1 or > InvoiceList.MaxPage)
        {
            throw new RequestValidationException("page", $"Pages are numbered from 1 to {InvoiceList.MaxPage}.");
        }

        var invoices = InvoiceViews.Visible(db, tenant);
        if (!string.IsNullOrWhiteSpace(query.Period))
        {
            var month = InvoiceViews.Month(query.Period, clock);
            invoices = invoices.Where(i => i.PeriodStart == month);
        }

        if (query.Unpaid)
        {
            // Issued, not cancelled, and paid less than in full: the open items.
            invoices = Payments.Unpaid(invoices, db);
        }

        // One more than a page says whether another follows; the id keeps the order of equal rows the same on every page.
        var page = await invoices.OrderByDescending(i => i.PeriodStart).ThenByDescending(i => i.Number).ThenBy(i => i.RecipientName).ThenBy(i => i.Id)
            .Skip((query.Page - 1) * InvoiceList.PageSize).Take(InvoiceList.PageSize + 1).ToListAsync(cancellationToken);
        var more = page.Count > InvoiceList.PageSize;
        return new InvoiceList(await InvoiceViews.ViewsAsync(db, [.. page.Take(InvoiceList.PageSize)], withLines: false, clock, cancellationToken), query.Page, more);
    }
}

internal sealed class GetInvoiceHandler(PortalDbContext db, ITenantContext tenant, TimeProvider clock) : IQueryHandler<GetInvoice, InvoiceView>
{
    public async ValueTask<InvoiceView> Handle(GetInvoice query, CancellationToken cancellationToken)
    {
        var invoice = await InvoiceViews.Visible(db, tenant).SingleOrDefaultAsync(i => i.Id == query.InvoiceId, cancellationToken) ?? throw new NotFoundException("The invoice");
        return (await InvoiceViews.ViewsAsync(db, [invoice], withLines: true, clock, cancellationToken))[0];
    }
}

internal sealed class RunInvoicesHandler(InvoiceRun run, ITenantContext tenant, ISecurityAudit audit, TimeProvider clock) : ICommandHandler<RunInvoices, InvoiceRunResult>
{
    public async ValueTask<InvoiceRunResult> Handle(RunInvoices command, CancellationToken cancellationToken)
    {
        if (!tenant.IsOperator && !tenant.IsSystem)
        {
            throw new ForbiddenException("The monthly invoice run is the operator's.");
        }

        var month = InvoiceViews.Month(command.Period, clock);
        var today = ContractViews.Today(clock);
        if (month > new DateOnly(today.Year, today.Month, 1).AddMonths(1))
        {
            throw new RequestValidationException("period", "Invoices are issued in advance for this month or the next, not later.");
        }

        var result = await run.RunAsync(month, cancellationToken);
        audit.Record("invoices.run", result.Period, $"{result.Created} created, {result.Issued} issued, {result.Skipped.Count} skipped");
        return result;
    }
}

internal sealed class CancelInvoiceHandler(PortalDbContext db, ITenantContext tenant, ISender sender, ISecurityAudit audit, TimeProvider clock) : ICommandHandler<CancelInvoice, InvoiceView>
{
    public async ValueTask<InvoiceView> Handle(CancelInvoice command, CancellationToken cancellationToken)
    {
        var original = await InvoiceViews.Visible(db, tenant).Include(i => i.Lines).SingleOrDefaultAsync(i => i.Id == command.InvoiceId, cancellationToken)
            ?? throw new NotFoundException("The invoice");
        if (original.IssuerId != tenant.ResellerId)
        {
            throw new ForbiddenException("Only its issuer cancels an invoice.");
        }

        if (original.Kind != Invoice.Regular || original.Status != Invoice.Final)
        {
            throw new ConflictException(original.Kind != Invoice.Regular ? "A cancellation invoice cannot be cancelled." : "A draft has no number yet; the run issues it.");
        }

        if (await db.Set<Invoice>().AnyAsync(i => i.CancelsId == original.Id, cancellationToken))
        {
            throw new ConflictException("This invoice is cancelled already.");
        }

        // The cancellation invoice repeats the original with every amount negated; it has its own number in the same series.
        var cancellation = new Invoice
        {
            Id = Guid.NewGuid(),
            IssuerId = original.IssuerId,
            ResellerId = original.ResellerId,
            CustomerId = original.CustomerId,
            RecipientId = original.RecipientId,
            Kind = Invoice.Cancellation,
            PeriodStart = original.PeriodStart,
            PeriodEnd = original.PeriodEnd,
            Revision = original.Revision,
            CancelsId = original.Id,
            VatTreatment = original.VatTreatment,
            VatRateBasisPoints = original.VatRateBasisPoints,
            Note = original.Note,
            NetCents = -original.NetCents,
            VatCents = -original.VatCents,
            GrossCents = -original.GrossCents,
            CreatedAt = clock.GetUtcNow(),
        };
        cancellation.PartiesOf(original);
        cancellation.Lines = [.. original.Lines.OrderBy(l => l.Position).Select(l => l.Negated(cancellation.Id))];
        db.Add(cancellation);
        await InvoiceRun.NumberAsync(db, [cancellation], ContractViews.Today(clock), cancellationToken);
        audit.Record("invoice.cancelled", original.Number ?? "", $"cancelled by {cancellation.Number}", original.ResellerId, original.CustomerId == Guid.Empty ? null : original.CustomerId);
        await db.SaveChangesAsync(cancellationToken);

        // Nothing is due on a cancelled invoice: if its customer was suspended for it alone, the suspension ends.
        if (!original.Wholesale && !await Payments.AnySuspendingAsync(db, original.CustomerId, cancellationToken))
        {
            await sender.Send(new LiftCustomerSuspension(original.CustomerId, OnlyBilling: true), cancellationToken);
        }

        return (await InvoiceViews.ViewsAsync(db, [cancellation], withLines: true, clock, cancellationToken))[0];
    }
}
