using Mediator;

namespace VirtualCore.Modules.Billing.Contracts;

/// <summary>How VAT applies to an invoice (the issuer is in Germany).</summary>
public static class VatTreatments
{
    /// <summary>19 % German VAT.</summary>
    public const string Standard = "standard";

    /// <summary>A business in another EU member state with a VAT ID owes the VAT itself (§13b UStG); no VAT on the invoice.</summary>
    public const string ReverseCharge = "reverse-charge";

    /// <summary>A business outside the EU: the service is not taxable in Germany (§3a (2) UStG).</summary>
    public const string NotTaxable = "not-taxable";

    /// <summary>The issuer is a small business (§19 UStG) and charges no VAT.</summary>
    public const string SmallBusiness = "small-business";
}

/// <summary>A party's name, address and tax details as they appear on invoices.</summary>
/// <param name="LegalName">The full name of the company or person, 1–120 characters.</param>
/// <param name="Street">Street and number (or PO box), 1–120 characters.</param>
/// <param name="PostalCode">Postal code, 1–16 letters, digits, spaces or hyphens.</param>
/// <param name="City">Town or city, 1–80 characters.</param>
/// <param name="CountryCode">ISO 3166-1 alpha-2 country code, e.g. DE.</param>
/// <param name="VatId">VAT identification number (e.g. DE123456789), if the party has one; needed for reverse charge.</param>
/// <param name="Email">Where invoices are sent, if given.</param>
/// <param name="SmallBusiness">An issuer that charges no VAT under §19 UStG (a reseller's or the operator's own details only).</param>
/// <param name="TaxNumber">An issuer's tax number (Steuernummer), which its invoices show when it has no VAT ID.</param>
/// <param name="Phone">A telephone number for questions about invoices.</param>
/// <param name="Iban">An issuer's bank account its invoices ask to be paid to.</param>
public sealed record BillingDetailsView(
    string LegalName, string Street, string PostalCode, string City, string CountryCode, string? VatId, string? Email, bool SmallBusiness,
    string? TaxNumber = null, string? Phone = null, string? Iban = null);

/// <summary>The caller's own billing details: its customer's for a customer's administrator, its reseller's for staff.</summary>
public sealed record GetBillingDetails : IQuery<BillingDetailsView?>;

/// <summary>Sets the caller's own billing details (see <see cref="GetBillingDetails"/>); every later invoice shows them.</summary>
public sealed record SetBillingDetails(
    string? LegalName, string? Street, string? PostalCode, string? City, string? CountryCode, string? VatId, string? Email, bool SmallBusiness,
    string? TaxNumber = null, string? Phone = null, string? Iban = null)
    : ICommand<BillingDetailsView>;

/// <summary>One line of an invoice: a contract's month or part of it.</summary>
/// <param name="Description">What is charged, e.g. "vServer S".</param>
/// <param name="From">First day charged.</param>
/// <param name="To">Last day charged.</param>
/// <param name="Days">Days charged; the whole month unless the contract started or ended in it.</param>
/// <param name="DaysInMonth">Days of the month, the basis of the part charged.</param>
/// <param name="MonthlyNet">The contract's monthly net price, EUR.</param>
/// <param name="Net">The line's net amount, EUR (the monthly price, or days ÷ days in month of it, rounded to the cent).</param>
public sealed record InvoiceLineView(int Position, Guid? ContractId, string Description, DateOnly From, DateOnly To, int Days, int DaysInMonth, decimal MonthlyNet, decimal Net);

/// <summary>An invoice (or a cancellation invoice) as issued.</summary>
/// <param name="IssuerId">The reseller (or the operator's provider) that issued it.</param>
/// <param name="Number">Its number in the issuer's gap-free series, e.g. "2026-000042"; empty while it is a draft.</param>
/// <param name="Kind">"invoice", or "cancellation" for one that cancels another in full.</param>
/// <param name="Status">"draft" (not issued yet) or "final" (issued; it never changes again).</param>
/// <param name="IssuedOn">The invoice date.</param>
/// <param name="PeriodStart">First day of the month it covers.</param>
/// <param name="PeriodEnd">Last day of the month it covers.</param>
/// <param name="Issuer">Who issues it, as printed.</param>
/// <param name="Recipient">Who receives it, as printed.</param>
/// <param name="Wholesale">The operator invoicing a reseller.</param>
/// <param name="VatTreatment">standard, reverse-charge, not-taxable or small-business (<see cref="VatTreatments"/>).</param>
/// <param name="VatRate">The VAT rate in per cent (19 or 0).</param>
/// <param name="Note">What the law asks the invoice to say about its VAT, if anything.</param>
/// <param name="Cancels">The number of the invoice a cancellation invoice cancels.</param>
/// <param name="CancelledBy">The number of the cancellation invoice that cancelled this one.</param>
/// <param name="DueOn">The day an issued invoice is to be paid by.</param>
/// <param name="Paid">EUR received for it.</param>
/// <param name="Open">EUR still to pay (0 for a paid, cancelled or cancellation invoice).</param>
/// <param name="Payment">paid, open, overdue or cancelled (<see cref="PaymentStates"/>); empty for a draft or a cancellation invoice.</param>
/// <param name="Payments">The payments received, oldest first (with one invoice only).</param>
/// <param name="Reminders">The dunning steps taken, first first (with one invoice only).</param>
public sealed record InvoiceView(
    Guid Id, Guid IssuerId, string Number, string Kind, string Status, DateOnly? IssuedOn, DateOnly PeriodStart, DateOnly PeriodEnd,
    BillingDetailsView Issuer, BillingDetailsView Recipient, bool Wholesale, string VatTreatment, decimal VatRate, string Note,
    decimal Net, decimal Vat, decimal Gross, string? Cancels, string? CancelledBy, IReadOnlyList<InvoiceLineView> Lines,
    DateOnly? DueOn = null, decimal Paid = 0, decimal Open = 0, string Payment = "",
    IReadOnlyList<InvoicePaymentView>? Payments = null, IReadOnlyList<DunningStepView>? Reminders = null)
{
    /// <summary>Amounts are in euros.</summary>
    public string Currency => "EUR";
}

/// <summary>Where an issued invoice stands with its payment.</summary>
public static class PaymentStates
{
    public const string Paid = "paid";

    /// <summary>Not paid in full, and not due yet.</summary>
    public const string Open = "open";

    /// <summary>Not paid in full after its due day.</summary>
    public const string Overdue = "overdue";

    /// <summary>Cancelled by a cancellation invoice: nothing is due.</summary>
    public const string Cancelled = "cancelled";
}

/// <summary>How a payment came in.</summary>
public static class PaymentMethods
{
    public static readonly IReadOnlyList<string> All = ["transfer", "direct-debit", "card", "cash", "other"];
}

/// <summary>A payment received for an invoice, as its issuer's staff recorded it.</summary>
/// <param name="Amount">EUR received.</param>
/// <param name="PaidOn">The day it was received (the value date of a transfer).</param>
/// <param name="Method">transfer, direct-debit, card, cash or other.</param>
/// <param name="Reference">The bank's or the payment service's reference, if any.</param>
public sealed record InvoicePaymentView(Guid Id, decimal Amount, DateOnly PaidOn, string Method, string Reference, string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>A step of the dunning sequence taken on an unpaid invoice.</summary>
/// <param name="Level">1 payment reminder, 2 second reminder, 3 final notice (announcing the suspension), 4 suspension.</param>
/// <param name="At">When it was taken.</param>
/// <param name="Open">EUR unpaid then.</param>
/// <param name="Mailed">The recipient was mailed (the suspension is mailed too).</param>
/// <param name="MailError">Why the mail did not go out yet, if it did not; it is tried again with each round.</param>
public sealed record DunningStepView(int Level, DateTimeOffset At, decimal Open, bool Mailed, string? MailError);

/// <summary>
/// The invoices the caller issued or received, newest first, <see cref="InvoiceList.PageSize"/> a page;
/// <paramref name="Period"/> ("2026-12") narrows them to one month, <paramref name="Unpaid"/> to those not paid yet.
/// </summary>
/// <param name="Page">1 for the newest, 2 for the next older ones, …</param>
public sealed record ListInvoices(string? Period, bool Unpaid = false, int Page = 1) : IQuery<InvoiceList>;

/// <summary>One page of the invoice list.</summary>
/// <param name="Invoices">Newest month first, without their lines.</param>
/// <param name="Page">Which page this is (1: the newest).</param>
/// <param name="More">Older invoices follow on the next page.</param>
public sealed record InvoiceList(IReadOnlyList<InvoiceView> Invoices, int Page, bool More)
{
    /// <summary>Invoices a page.</summary>
    public const int PageSize = 200;

    /// <summary>The last page one may ask for.</summary>
    public const int MaxPage = 100_000;
}

/// <summary>
/// Records a payment received for an invoice (its issuer's staff). When it settles the last invoice that got its
/// customer suspended, the suspension is lifted and the VMs it stopped start again.
/// </summary>
/// <param name="Amount">EUR received, more than 0 and at most what is open.</param>
/// <param name="PaidOn">The day it was received; today when empty; not in the future.</param>
/// <param name="Method">transfer (when empty), direct-debit, card, cash or other.</param>
/// <param name="Reference">The bank's or the payment service's reference, up to 140 characters; a reference is recorded once per invoice.</param>
public sealed record RecordPayment(Guid InvoiceId, decimal? Amount, DateOnly? PaidOn, string? Method, string? Reference) : ICommand<InvoiceView>;

/// <summary>A body of <see cref="RecordPayment"/>.</summary>
public sealed record RecordPaymentInput(decimal? Amount, DateOnly? PaidOn, string? Method, string? Reference);

/// <summary>
/// The dunning round (the operator; it also runs every hour): every issued invoice unpaid after its due day gets the
/// next step of the sequence once the last one is old enough — a payment reminder, a second reminder, a final notice,
/// and then its customer's suspension. Safe to repeat and to run on several instances at once.
/// </summary>
public sealed record RunDunning : ICommand<DunningRunResult>;

/// <param name="Reminders">Reminders and final notices this round sent (or tried to send).</param>
/// <param name="Suspended">Customers this round suspended.</param>
/// <param name="MailFailures">Mails that did not go out; the next round tries them again.</param>
public sealed record DunningRunResult(int Reminders, int Suspended, int MailFailures);

/// <summary>One invoice the caller issued or received.</summary>
public sealed record GetInvoice(Guid InvoiceId) : IQuery<InvoiceView>;

/// <summary>
/// The monthly run (the operator): for the month <paramref name="Period"/> ("2026-12"; this month when empty) every reseller
/// invoices its customers their contracts and the operator invoices the resellers the wholesale prices, in advance and
/// prorated by day. Safe to repeat and to run on several portal instances at once.
/// </summary>
public sealed record RunInvoices(string? Period) : ICommand<InvoiceRunResult>;

/// <param name="Created">Invoices this run created.</param>
/// <param name="Issued">Invoices this run gave a number (its own and drafts an interrupted run left).</param>
/// <param name="AlreadyInvoiced">Recipients already invoiced for the month.</param>
/// <param name="Skipped">Who could not be invoiced, and why (missing billing details).</param>
public sealed record InvoiceRunResult(string Period, int Created, int Issued, int AlreadyInvoiced, IReadOnlyList<string> Skipped);

/// <summary>Cancels a final invoice in full with a cancellation invoice (its issuer's staff); the next run invoices the month anew.</summary>
public sealed record CancelInvoice(Guid InvoiceId) : ICommand<InvoiceView>;

/// <summary>What the caller (the operator's or a reseller's staff) invoiced, received and still has open in a year, by month.</summary>
/// <param name="Year">The year; this year when empty.</param>
public sealed record GetRevenue(int? Year) : IQuery<RevenueView>;

/// <param name="Year">The year shown.</param>
/// <param name="Months">January to December.</param>
/// <param name="Total">The year's sums.</param>
/// <param name="Purchases">The caller buys wholesale (a reseller): <see cref="RevenueMonth.Purchased"/> and <see cref="RevenueMonth.Margin"/> apply.</param>
public sealed record RevenueView(int Year, IReadOnlyList<RevenueMonth> Months, RevenueMonth Total, bool Purchases);

/// <summary>One month of a year's revenue, by the month the invoices cover; amounts in EUR.</summary>
/// <param name="Month">"2026-12", or the year for the total.</param>
/// <param name="Invoices">Invoices issued for it (cancellation invoices not counted).</param>
/// <param name="Net">Net invoiced, less cancellations.</param>
/// <param name="Gross">Gross invoiced, less cancellations.</param>
/// <param name="Paid">Received on its invoices.</param>
/// <param name="Open">Still open on its invoices.</param>
/// <param name="Overdue">Of what is open, what is past its due day.</param>
/// <param name="Purchased">Net the operator invoiced the caller for it (a reseller's wholesale cost), less cancellations.</param>
/// <param name="Margin">Net less purchased.</param>
public sealed record RevenueMonth(string Month, int Invoices, decimal Net, decimal Gross, decimal Paid, decimal Open, decimal Overdue, decimal Purchased, decimal Margin);

/// <summary>The run's month as the API takes it: "2026-12".</summary>
public sealed record InvoiceRunInput(string? Period);
