using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Billing.Contracts;

namespace VirtualCore.Modules.Billing.Domain;

/// <summary>A reseller's or a customer's name, address and tax details for invoices.</summary>
internal sealed class BillingDetails
{
    /// <summary>The reseller's or the customer's id.</summary>
    public Guid PartyId { get; set; }

    /// <summary>The reseller itself, or the customer's reseller.</summary>
    public Guid ResellerId { get; set; }

    public bool IsCustomer { get; set; }

    public string LegalName { get; set; } = "";

    public string Street { get; set; } = "";

    public string PostalCode { get; set; } = "";

    public string City { get; set; } = "";

    public string CountryCode { get; set; } = "";

    public string? VatId { get; set; }

    public string? Email { get; set; }

    public bool SmallBusiness { get; set; }

    public string? TaxNumber { get; set; }

    public string? Phone { get; set; }

    public string? Iban { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public BillingDetailsView View() => new(LegalName, Street, PostalCode, City, CountryCode, VatId, Email, SmallBusiness, TaxNumber, Phone, Iban);
}

/// <summary>
/// An invoice or a cancellation invoice. A draft holds everything but its number; finalising gives it the next number
/// of its issuer's series in the same transaction, after which no column changes.
/// </summary>
internal sealed class Invoice : ITenantOwned, IVersioned
{
    public const string Regular = "invoice";

    public const string Cancellation = "cancellation";

    public const string Draft = "draft";

    public const string Final = "final";

    public Guid Id { get; set; }

    /// <summary>The reseller issuing it (the provider for wholesale invoices).</summary>
    public Guid IssuerId { get; set; }

    /// <summary>The recipient reseller for a wholesale invoice, the issuing reseller for a customer's.</summary>
    public Guid ResellerId { get; set; }

    /// <summary>The recipient customer; empty for a wholesale invoice to a reseller.</summary>
    public Guid CustomerId { get; set; }

    /// <summary>The recipient: the customer, or the reseller of a wholesale invoice.</summary>
    public Guid RecipientId { get; set; }

    public string Kind { get; set; } = Regular;

    public string Status { get; set; } = Draft;

    public DateOnly PeriodStart { get; set; }

    public DateOnly PeriodEnd { get; set; }

    /// <summary>0 for the month's first invoice to the recipient; one more for each after a cancellation.</summary>
    public int Revision { get; set; }

    /// <summary>The invoice a cancellation invoice cancels.</summary>
    public Guid? CancelsId { get; set; }

    public string? Number { get; set; }

    public DateOnly? IssuedOn { get; set; }

    /// <summary>The day it is to be paid by, set when it is issued.</summary>
    public DateOnly? DueOn { get; set; }

    public string IssuerName { get; set; } = "";

    public string IssuerStreet { get; set; } = "";

    public string IssuerPostalCode { get; set; } = "";

    public string IssuerCity { get; set; } = "";

    public string IssuerCountry { get; set; } = "";

    public string? IssuerVatId { get; set; }

    public string? IssuerEmail { get; set; }

    public bool IssuerSmallBusiness { get; set; }

    public string? IssuerTaxNumber { get; set; }

    public string? IssuerPhone { get; set; }

    public string? IssuerIban { get; set; }

    public string RecipientName { get; set; } = "";

    public string RecipientStreet { get; set; } = "";

    public string RecipientPostalCode { get; set; } = "";

    public string RecipientCity { get; set; } = "";

    public string RecipientCountry { get; set; } = "";

    public string? RecipientVatId { get; set; }

    public string? RecipientEmail { get; set; }

    public string VatTreatment { get; set; } = VatTreatments.Standard;

    /// <summary>VAT rate in hundredths of a per cent (1900 = 19 %).</summary>
    public int VatRateBasisPoints { get; set; }

    public string Note { get; set; } = "";

    public long NetCents { get; set; }

    public long VatCents { get; set; }

    public long GrossCents { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public int Version { get; set; }

    public List<InvoiceLine> Lines { get; set; } = [];

    public bool Wholesale => CustomerId == Guid.Empty;

    public void Issuer(BillingDetails d)
    {
        (IssuerName, IssuerStreet, IssuerPostalCode, IssuerCity, IssuerCountry, IssuerVatId, IssuerEmail, IssuerSmallBusiness) =
            (d.LegalName, d.Street, d.PostalCode, d.City, d.CountryCode, d.VatId, d.Email, d.SmallBusiness);
        (IssuerTaxNumber, IssuerPhone, IssuerIban) = (d.TaxNumber, d.Phone, d.Iban);
    }

    public void Recipient(BillingDetails d)
    {
        (RecipientName, RecipientStreet, RecipientPostalCode, RecipientCity, RecipientCountry, RecipientVatId, RecipientEmail) =
            (d.LegalName, d.Street, d.PostalCode, d.City, d.CountryCode, d.VatId, d.Email);
    }

    public BillingDetailsView IssuerView() =>
        new(IssuerName, IssuerStreet, IssuerPostalCode, IssuerCity, IssuerCountry, IssuerVatId, IssuerEmail, IssuerSmallBusiness, IssuerTaxNumber, IssuerPhone, IssuerIban);

    /// <summary>Copies everything printed about issuer and recipient from <paramref name="other"/>.</summary>
    public void PartiesOf(Invoice other)
    {
        (IssuerName, IssuerStreet, IssuerPostalCode, IssuerCity, IssuerCountry, IssuerVatId, IssuerEmail, IssuerSmallBusiness, IssuerTaxNumber, IssuerPhone, IssuerIban) =
            (other.IssuerName, other.IssuerStreet, other.IssuerPostalCode, other.IssuerCity, other.IssuerCountry, other.IssuerVatId, other.IssuerEmail, other.IssuerSmallBusiness, other.IssuerTaxNumber, other.IssuerPhone, other.IssuerIban);
        (RecipientName, RecipientStreet, RecipientPostalCode, RecipientCity, RecipientCountry, RecipientVatId, RecipientEmail) =
            (other.RecipientName, other.RecipientStreet, other.RecipientPostalCode, other.RecipientCity, other.RecipientCountry, other.RecipientVatId, other.RecipientEmail);
    }

    public BillingDetailsView RecipientView() => new(RecipientName, RecipientStreet, RecipientPostalCode, RecipientCity, RecipientCountry, RecipientVatId, RecipientEmail, false);
}

/// <summary>A payment received for an invoice; the invoice itself never changes.</summary>
internal sealed class InvoicePayment : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid InvoiceId { get; set; }

    /// <summary>The invoice's.</summary>
    public Guid ResellerId { get; set; }

    /// <summary>The invoice's.</summary>
    public Guid CustomerId { get; set; }

    public long AmountCents { get; set; }

    public DateOnly PaidOn { get; set; }

    public string Method { get; set; } = "transfer";

    public string? Reference { get; set; }

    public string RecordedBy { get; set; } = "";

    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>A step of the dunning sequence on an invoice: one row per invoice and level, so no step is taken twice.</summary>
internal sealed class DunningStep : ITenantOwned
{
    public const int FirstReminder = 1;

    public const int FinalNotice = 3;

    public const int Suspension = 4;

    /// <summary>How often a step's mail is tried (once per round) before it is given up.</summary>
    public const int MailTries = 5;

    public Guid InvoiceId { get; set; }

    public int Level { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public DateTimeOffset At { get; set; }

    public long OpenCents { get; set; }

    public DateTimeOffset? MailedAt { get; set; }

    public string? MailError { get; set; }

    public int MailAttempts { get; set; }
}

/// <summary>One line of an invoice.</summary>
internal sealed class InvoiceLine
{
    public const int MaxDescription = 220;

    public Guid InvoiceId { get; set; }

    public int Position { get; set; }

    public Guid? ContractId { get; set; }

    public string Description { get; set; } = "";

    public DateOnly From { get; set; }

    public DateOnly To { get; set; }

    public int Days { get; set; }

    public int DaysInMonth { get; set; }

    public long MonthlyCents { get; set; }

    public long NetCents { get; set; }

    /// <summary>This line on a cancellation invoice: the same days and price, the amount taken back.</summary>
    public InvoiceLine Negated(Guid cancellationId) => new()
    {
        InvoiceId = cancellationId,
        Position = Position,
        ContractId = ContractId,
        Description = Description,
        From = From,
        To = To,
        Days = Days,
        DaysInMonth = DaysInMonth,
        MonthlyCents = MonthlyCents,
        NetCents = -NetCents,
    };
}

/// <summary>The last number an issuer gave in a year; the next invoice takes one more, in the same transaction.</summary>
internal sealed class InvoiceSeries : IVersioned
{
    public Guid IssuerId { get; set; }

    public int Year { get; set; }

    public long Last { get; set; }

    public int Version { get; set; }
}

/// <summary>The arithmetic of invoices: months, parts of months and VAT.</summary>
internal static class InvoiceMath
{
    public const int StandardRateBasisPoints = 1900;

    /// <summary>EU member states (ISO 3166-1 alpha-2; Greece as EL in VAT IDs, GR as a country).</summary>
    public static readonly IReadOnlySet<string> EuCountries = new HashSet<string>(StringComparer.Ordinal)
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    };

    /// <summary>The month "2026-12" as its first day, or null when it is no month.</summary>
    public static DateOnly? ParsePeriod(string? period) =>
        period is { Length: 7 } && DateOnly.TryParseExact(period + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day)
            && day.Year is >= 2000 and <= 2999
            ? day
            : null;

    public static DateOnly MonthEnd(DateOnly first) => first.AddMonths(1).AddDays(-1);

    /// <summary>
    /// The part of the month <paramref name="first"/> a contract from <paramref name="starts"/> to <paramref name="ends"/>
    /// runs in, and its price: the whole monthly price for the whole month, else days ÷ days of the month of it, rounded
    /// to the cent (half away from zero). Null when the contract does not run in that month.
    /// </summary>
    public static (DateOnly From, DateOnly To, int Days, int DaysInMonth, long Cents)? Prorate(DateOnly first, DateOnly starts, DateOnly? ends, long monthlyCents)
    {
        var last = MonthEnd(first);
        var from = starts > first ? starts : first;
        var to = ends is { } e && e < last ? e : last;
        if (to < from)
        {
            return null;
        }

        var days = to.DayNumber - from.DayNumber + 1;
        var inMonth = last.Day;
        var cents = days == inMonth ? monthlyCents : (long)Math.Round(monthlyCents * (decimal)days / inMonth, MidpointRounding.AwayFromZero);
        return (from, to, days, inMonth, cents);
    }

    /// <summary>How VAT applies when a German issuer invoices this recipient.</summary>
    public static string Treatment(bool issuerSmallBusiness, string recipientCountry, string? recipientVatId)
    {
        if (issuerSmallBusiness)
        {
            return VatTreatments.SmallBusiness;
        }

        if (recipientCountry == "DE")
        {
            return VatTreatments.Standard;
        }

        if (EuCountries.Contains(recipientCountry))
        {
            return string.IsNullOrEmpty(recipientVatId) ? VatTreatments.Standard : VatTreatments.ReverseCharge;
        }

        // Outside the EU a business's and a consumer's electronic services are taxed where they are (§3a (2) and (5) UStG).
        return VatTreatments.NotTaxable;
    }

    public static int RateBasisPoints(string treatment) => treatment == VatTreatments.Standard ? StandardRateBasisPoints : 0;

    public static long Vat(long netCents, int rateBasisPoints) => (long)Math.Round(netCents * (decimal)rateBasisPoints / 10_000m, MidpointRounding.AwayFromZero);

    /// <summary>What the invoice must say about its VAT (§14a UStG, §19 UStG), in the issuer's language.</summary>
    public static string Note(string treatment, string language) => (treatment, language) switch
    {
        (VatTreatments.ReverseCharge, "de") => "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge, § 13b UStG, Art. 196 MwStSystRL).",
        (VatTreatments.ReverseCharge, _) => "Reverse charge: the recipient is liable for the VAT (Steuerschuldnerschaft des Leistungsempfängers, § 13b UStG, Art. 196 VAT Directive).",
        (VatTreatments.NotTaxable, "de") => "Im Inland nicht steuerbare Leistung (§ 3a UStG).",
        (VatTreatments.NotTaxable, _) => "Not taxable in Germany (§ 3a UStG): the service is taxed where the recipient is.",
        (VatTreatments.SmallBusiness, "de") => "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet.",
        (VatTreatments.SmallBusiness, _) => "No VAT is charged: small business under § 19 UStG.",
        _ => "",
    };

    /// <summary>What a credit line for days invoiced after a contract's last day says after the product, in the issuer's language.</summary>
    public static string Credit(DateOnly lastDay, string language) => language == "de"
        ? $"Erstattung: nach dem {lastDay:dd.MM.yyyy} nicht mehr berechnet"
        : $"credit: not charged after {lastDay:yyyy-MM-dd}";

    /// <summary>"2026-000042": the year and the number within the issuer's series for that year.</summary>
    public static string Number(int year, long sequence) => $"{year}-{sequence:000000}";
}
