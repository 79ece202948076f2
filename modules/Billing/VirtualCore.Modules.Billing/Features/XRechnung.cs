using System.Globalization;
using System.Xml.Linq;
using VirtualCore.Modules.Billing.Contracts;

namespace VirtualCore.Modules.Billing.Features;

/// <summary>
/// An issued invoice as an electronic invoice: XRechnung 3.0 in the UBL 2.1 syntax (EN 16931), which German businesses
/// must be able to receive since 2025. An invoice is a UBL Invoice (type 380); a cancellation invoice a UBL CreditNote
/// (type 381) of the positive amounts, referring to the invoice it cancels. Elements follow the order the UBL schema
/// prescribes.
/// </summary>
internal static class XRechnung
{
    public static readonly XNamespace Cac = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";

    public static readonly XNamespace Cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

    public static readonly XNamespace InvoiceNs = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";

    public static readonly XNamespace CreditNoteNs = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";

    public const string Customization = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0";

    public const string Profile = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";

    /// <summary>Days to pay after the invoice date, for an invoice issued before due days were kept with it.</summary>
    public const int PaymentDays = 14;

    public static XDocument Of(InvoiceView invoice)
    {
        if (invoice.Status != "final")
        {
            throw new InvalidOperationException("Only an issued invoice has an electronic form.");
        }

        var credit = invoice.Kind == "cancellation";
        var ns = credit ? CreditNoteNs : InvoiceNs;
        var sign = credit ? -1m : 1m;
        var category = Category(invoice.VatTreatment);
        var (exemptionCode, exemptionReason) = Exemption(invoice.VatTreatment);
        var issued = invoice.IssuedOn!.Value;
        var due = invoice.DueOn ?? issued.AddDays(PaymentDays);

        XElement TaxCategory(string name, bool withAmounts) => new(Cac + name,
            new XElement(Cbc + "ID", category),
            category == "O" ? null : new XElement(Cbc + "Percent", Amount(invoice.VatRate)),
            withAmounts && exemptionCode is not null ? new XElement(Cbc + "TaxExemptionReasonCode", exemptionCode) : null,
            withAmounts && exemptionReason is not null ? new XElement(Cbc + "TaxExemptionReason", exemptionReason) : null,
            new XElement(Cac + "TaxScheme", new XElement(Cbc + "ID", "VAT")));

        var lines = invoice.Lines.Select(l => new XElement(Cac + (credit ? "CreditNoteLine" : "InvoiceLine"),
            new XElement(Cbc + "ID", l.Position.ToString(CultureInfo.InvariantCulture)),
            // A price is never negative (BR-27): a line that takes off (a credit for days no longer used) has quantity -1.
            new XElement(Cbc + (credit ? "CreditedQuantity" : "InvoicedQuantity"), new XAttribute("unitCode", "C62"), sign * l.Net < 0 ? "-1" : "1"),
            Money("LineExtensionAmount", sign * l.Net),
            new XElement(Cac + "InvoicePeriod", new XElement(Cbc + "StartDate", Day(l.From)), new XElement(Cbc + "EndDate", Day(l.To))),
            new XElement(Cac + "Item",
                new XElement(Cbc + "Description", l.Days == l.DaysInMonth ? $"{l.Description}, {l.From:yyyy-MM}" : $"{l.Description}, {l.Days}/{l.DaysInMonth} of {l.From:yyyy-MM}"),
                new XElement(Cbc + "Name", l.Description),
                TaxCategory("ClassifiedTaxCategory", withAmounts: false)),
            new XElement(Cac + "Price", Money("PriceAmount", Math.Abs(l.Net)))));

        var root = new XElement(ns + (credit ? "CreditNote" : "Invoice"),
            new XAttribute(XNamespace.Xmlns + "cac", Cac),
            new XAttribute(XNamespace.Xmlns + "cbc", Cbc),
            new XElement(Cbc + "CustomizationID", Customization),
            new XElement(Cbc + "ProfileID", Profile),
            new XElement(Cbc + "ID", invoice.Number),
            new XElement(Cbc + "IssueDate", Day(issued)),
            credit ? null : new XElement(Cbc + "DueDate", Day(due)),
            new XElement(Cbc + (credit ? "CreditNoteTypeCode" : "InvoiceTypeCode"), credit ? "381" : "380"),
            invoice.Note == "" ? null : new XElement(Cbc + "Note", invoice.Note),
            new XElement(Cbc + "DocumentCurrencyCode", "EUR"),

            // XRechnung asks for the buyer's reference (a Leitweg-ID for public buyers); businesses take the recipient's id.
            new XElement(Cbc + "BuyerReference", invoice.Recipient.LegalName.Length > 0 ? $"{invoice.PeriodStart:yyyy-MM} {invoice.Recipient.LegalName}" : invoice.Id.ToString()),
            new XElement(Cac + "InvoicePeriod", new XElement(Cbc + "StartDate", Day(invoice.PeriodStart)), new XElement(Cbc + "EndDate", Day(invoice.PeriodEnd))),
            invoice.Cancels is { } cancels ? new XElement(Cac + "BillingReference", new XElement(Cac + "InvoiceDocumentReference", new XElement(Cbc + "ID", cancels))) : null,
            new XElement(Cac + "AccountingSupplierParty", Party(invoice.Issuer, seller: true, category, invoice.IssuerId)),
            new XElement(Cac + "AccountingCustomerParty", Party(invoice.Recipient, seller: false, category, null)),
            new XElement(Cac + "PaymentMeans",
                new XElement(Cbc + "PaymentMeansCode", invoice.Issuer.Iban is null ? "1" : "58"),
                new XElement(Cbc + "PaymentID", invoice.Number),
                invoice.Issuer.Iban is { } iban ? new XElement(Cac + "PayeeFinancialAccount", new XElement(Cbc + "ID", iban)) : null),
            new XElement(Cac + "PaymentTerms", new XElement(Cbc + "Note", credit ? $"Cancels invoice {invoice.Cancels}." : $"Payable within {due.DayNumber - issued.DayNumber} days of the invoice date, by {Day(due)}.")),
            new XElement(Cac + "TaxTotal",
                Money("TaxAmount", sign * invoice.Vat),
                new XElement(Cac + "TaxSubtotal",
                    Money("TaxableAmount", sign * invoice.Net),
                    Money("TaxAmount", sign * invoice.Vat),
                    TaxCategory("TaxCategory", withAmounts: true))),
            new XElement(Cac + "LegalMonetaryTotal",
                Money("LineExtensionAmount", sign * invoice.Net),
                Money("TaxExclusiveAmount", sign * invoice.Net),
                Money("TaxInclusiveAmount", sign * invoice.Gross),
                Money("PayableAmount", sign * invoice.Gross)),
            lines);
        return new XDocument(new XDeclaration("1.0", "UTF-8", null), root);
    }

    /// <summary>The VAT category of EN 16931 (UNTDID 5305): S standard, AE reverse charge, O outside the scope, E exempt.</summary>
    public static string Category(string treatment) => treatment switch
    {
        VatTreatments.ReverseCharge => "AE",
        VatTreatments.NotTaxable => "O",
        VatTreatments.SmallBusiness => "E",
        _ => "S",
    };

    private static (string? Code, string? Reason) Exemption(string treatment) => treatment switch
    {
        VatTreatments.ReverseCharge => ("VATEX-EU-AE", "Reverse charge"),
        VatTreatments.NotTaxable => ("VATEX-EU-O", "Not subject to VAT"),
        VatTreatments.SmallBusiness => (null, "Kleinunternehmer gemäß § 19 UStG"),
        _ => (null, null),
    };

    private static XElement Party(BillingDetailsView d, bool seller, string category, Guid? id)
    {
        // Outside the scope of VAT (O) an invoice carries no VAT ID of either side (BR-O-02, BR-O-03, BR-O-04).
        var vatId = category == "O" ? null : d.VatId;
        return new XElement(Cac + "Party",
            d.Email is { } email ? new XElement(Cbc + "EndpointID", new XAttribute("schemeID", "EM"), email) : null,

            // Without a VAT ID the seller is named by its id with the issuer (BR-CO-26).
            id is { } party && vatId is null ? new XElement(Cac + "PartyIdentification", new XElement(Cbc + "ID", party.ToString())) : null,
            new XElement(Cac + "PostalAddress",
                new XElement(Cbc + "StreetName", d.Street),
                new XElement(Cbc + "CityName", d.City),
                new XElement(Cbc + "PostalZone", d.PostalCode),
                new XElement(Cac + "Country", new XElement(Cbc + "IdentificationCode", d.CountryCode))),
            vatId is null ? null : new XElement(Cac + "PartyTaxScheme", new XElement(Cbc + "CompanyID", vatId), new XElement(Cac + "TaxScheme", new XElement(Cbc + "ID", "VAT"))),
            seller && d.TaxNumber is { } taxNumber ? new XElement(Cac + "PartyTaxScheme", new XElement(Cbc + "CompanyID", taxNumber), new XElement(Cac + "TaxScheme", new XElement(Cbc + "ID", "FC"))) : null,
            new XElement(Cac + "PartyLegalEntity", new XElement(Cbc + "RegistrationName", d.LegalName)),
            seller
                ? new XElement(Cac + "Contact",
                    new XElement(Cbc + "Name", d.LegalName),
                    d.Phone is null ? null : new XElement(Cbc + "Telephone", d.Phone),
                    d.Email is null ? null : new XElement(Cbc + "ElectronicMail", d.Email))
                : null);
    }

    private static XElement Money(string name, decimal amount) => new(Cbc + name, new XAttribute("currencyID", "EUR"), Amount(amount));

    private static string Amount(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
