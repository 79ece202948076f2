using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Billing.Features;

namespace VirtualCore.Modules.Billing.Web;

/// <summary>Invoices and billing details: /api/v1/invoices, /api/v1/billing-details and the pages /admin/invoices and /admin/billing-details.</summary>
internal static class InvoicesEndpoints
{
    public const string ListTemplate = "Billing/Invoices.sbn-html";

    public const string InvoiceTemplate = "Billing/Invoice.sbn-html";

    public const string DetailsTemplate = "Billing/BillingDetails.sbn-html";

    public const string RevenueTemplate = "Billing/Revenue.sbn-html";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1/invoices").RequireAuthorization().WithTags("Invoices");
        api.MapGet("/", async (string? period, bool? unpaid, int? page, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var list = await sender.Send(new ListInvoices(period, unpaid ?? false, page ?? 1), ct);
                if (list.More)
                {
                    var next = Query(("period", period), ("unpaid", unpaid is null ? null : unpaid.Value ? "true" : "false"), ("page", (list.Page + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    http.Response.Headers.Link = $"</api/v1/invoices{next}>; rel=\"next\"";
                }

                return list.Invoices;
            })
            .RequireScope(ApiScopes.Read).WithName("ListInvoices").PagesItself()
            .WithSummary($"The invoices you issued or received, newest month first, without their lines, {InvoiceList.PageSize} a page (`page=2` for the next; a `Link` header with `rel=\"next\"` says there is one); `period=2026-12` for one month, `unpaid=true` for the open items.")
            .Produces<IReadOnlyList<InvoiceView>>().ProducesValidationProblem();
        api.MapGet("/revenue", (int? year, ISender sender, CancellationToken ct) => sender.Send(new GetRevenue(year), ct))
            .RequireScope(ApiScopes.Read).WithName("GetRevenue")
            .WithSummary("Your invoicing of a year by month (`year=2026`, this year when empty): net and gross invoiced less cancellations, paid, open, overdue; a reseller's wholesale cost and margin.")
            .Produces<RevenueView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapGet("/{invoiceId:guid}", (Guid invoiceId, ISender sender, CancellationToken ct) => sender.Send(new GetInvoice(invoiceId), ct))
            .RequireScope(ApiScopes.Read).WithName("GetInvoice")
            .WithSummary("One invoice with its lines.")
            .Produces<InvoiceView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{invoiceId:guid}/xrechnung", async (Guid invoiceId, ISender sender, CancellationToken ct) =>
            {
                var invoice = await sender.Send(new GetInvoice(invoiceId), ct);
                if (invoice.Status != Invoice.Final)
                {
                    throw new ConflictException("A draft has no number yet; the run issues it.");
                }

                using var buffer = new MemoryStream();
                await Features.XRechnung.Of(invoice).SaveAsync(buffer, System.Xml.Linq.SaveOptions.None, ct);
                return Results.File(buffer.ToArray(), "application/xml", $"{invoice.Number}.xml");
            })
            .RequireScope(ApiScopes.Read).WithName("GetInvoiceXRechnung")
            .WithSummary("The issued invoice as an electronic invoice: XRechnung 3.0, UBL 2.1 (EN 16931); a cancellation invoice as a UBL credit note.")
            .Produces(StatusCodes.Status200OK, contentType: "application/xml").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/{invoiceId:guid}/pdf", async (Guid invoiceId, HttpContext http, ISender sender, PortalTexts texts, CancellationToken ct) =>
            {
                var invoice = await sender.Send(new GetInvoice(invoiceId), ct);
                if (invoice.Status != Invoice.Final)
                {
                    throw new ConflictException("A draft has no number yet; the run issues it.");
                }

                // In the brand of the portal it is read on when that portal's reseller issued it; else under the issuer's name.
                var portal = HostTenancy.ResellerOf(http);
                var language = RequestLanguage.Of(http);
                var pdf = Features.InvoicePdf.Render(
                    invoice, portal?.Id == invoice.IssuerId ? portal.BrandName : null, (text, values) => texts.Format(text, language, portal?.ThemeName, values));
                return Results.File(pdf, "application/pdf", $"{invoice.Number}.pdf");
            })
            .RequireScope(ApiScopes.Read).WithName("GetInvoicePdf")
            .WithSummary("The issued invoice as a PDF in the issuer's brand, in the reader's language.")
            .Produces(StatusCodes.Status200OK, contentType: "application/pdf").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/run", (InvoiceRunInput? body, ISender sender, CancellationToken ct) => sender.Send(new RunInvoices(body?.Period), ct))
            .RequireScope(ApiScopes.Manage).WithName("RunInvoices")
            .WithSummary("The operator's monthly run for `period` (this month when empty): every customer's and reseller's invoice for the month, numbered. Safe to repeat.")
            .Produces<InvoiceRunResult>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapPost("/{invoiceId:guid}/payments", (Guid invoiceId, RecordPaymentInput? body, ISender sender, CancellationToken ct) =>
                sender.Send(new RecordPayment(invoiceId, body?.Amount, body?.PaidOn, body?.Method, body?.Reference), ct))
            .RequireScope(ApiScopes.Manage).WithName("RecordPayment").IfMatch(route => new GetInvoice(route.Guid("invoiceId")))
            .WithSummary("Records a payment received for an invoice you issued; paying the last invoice a customer was suspended for lifts the suspension and starts the VMs it stopped.")
            .Produces<InvoiceView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/dunning", (ISender sender, CancellationToken ct) => sender.Send(new RunDunning(), ct))
            .RequireScope(ApiScopes.Manage).WithName("RunDunning")
            .WithSummary("The operator's dunning round now (it runs every hour): reminders, final notices and suspensions for invoices unpaid after their due day. Safe to repeat.")
            .Produces<DunningRunResult>().ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapPost("/{invoiceId:guid}/cancellation", (Guid invoiceId, ISender sender, CancellationToken ct) => sender.Send(new CancelInvoice(invoiceId), ct))
            .RequireScope(ApiScopes.Manage).WithName("CancelInvoice").IfMatch(route => new GetInvoice(route.Guid("invoiceId")))
            .WithSummary("Cancels an invoice you issued with a cancellation invoice of the negated amounts; the next run for its month invoices the month anew.")
            .Produces<InvoiceView>().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        var details = endpoints.MapGroup("/api/v1/billing-details").RequireAuthorization().WithTags("Invoices");
        details.MapGet("/", async (ISender sender, CancellationToken ct) => await sender.Send(new GetBillingDetails(), ct) is { } d ? Results.Ok(d) : Results.NoContent())
            .RequireScope(ApiScopes.Read).WithName("GetBillingDetails")
            .WithSummary("Your billing details as invoices show them: your account's (a customer's administrators) or your reseller's (staff); 204 when none are kept yet.")
            .Produces<BillingDetailsView>().Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status403Forbidden);
        details.MapPut("/", (SetBillingDetails? body, ISender sender, CancellationToken ct) => sender.Send(body ?? new SetBillingDetails(null, null, null, null, null, null, null, false), ct))
            .RequireScope(ApiScopes.Manage).WithName("SetBillingDetails").IfMatch(_ => new GetBillingDetails())
            .WithSummary("Sets your billing details; invoices issued from now on show them.")
            .Produces<BillingDetailsView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden);

        var pages = endpoints.MapGroup("/admin").RequireAuthorization().ExcludeFromDescription();
        pages.MapGet("/invoices", (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) => RenderListAsync(http, renderer, sender, tenant, null, "", StatusCodes.Status200OK));
        pages.MapPost("/invoices", async (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) =>
            {
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                try
                {
                    var result = await sender.Send(new RunInvoices(form["period"].ToString()), http.RequestAborted);
                    return await RenderListAsync(http, renderer, sender, tenant, result, "", StatusCodes.Status200OK);
                }
                catch (RequestValidationException ex)
                {
                    return await RenderListAsync(http, renderer, sender, tenant, null, string.Join(" ", ex.Errors.Select(e => e.Reason)), StatusCodes.Status400BadRequest);
                }
            }).AddEndpointFilter<AntiforgeryFilter>();
        pages.MapGet("/invoices/{invoiceId:guid}", (Guid invoiceId, HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) =>
            RenderInvoiceAsync(http, renderer, sender, tenant, invoiceId, null, new Dictionary<string, string>(), StatusCodes.Status200OK));
        pages.MapPost("/invoices/{invoiceId:guid}/payments", async (Guid invoiceId, HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) =>
            {
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                var typed = new PaymentForm(form["amount"].ToString(), form["paidOn"].ToString(), form["method"].ToString(), form["reference"].ToString());
                var errors = new Dictionary<string, string>();
                var amount = decimal.TryParse(typed.Amount.Trim().Replace(',', '.'), System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var a) ? a : (decimal?)null;
                var paidOn = DateOnly.TryParseExact(typed.PaidOn.Trim(), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d) ? d : (DateOnly?)null;
                if (amount is null && typed.Amount.Trim() != "")
                {
                    errors["amount"] = "Give the amount received in EUR.";
                }

                if (paidOn is null && typed.PaidOn.Trim() != "")
                {
                    errors["paidOn"] = "Give the day as YYYY-MM-DD.";
                }

                if (errors.Count == 0)
                {
                    try
                    {
                        await sender.Send(new RecordPayment(invoiceId, amount, paidOn, typed.Method, typed.Reference), http.RequestAborted);
                        return Results.Redirect($"/admin/invoices/{invoiceId}");
                    }
                    catch (RequestValidationException ex)
                    {
                        errors = ex.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.First().Reason);
                    }
                }

                return await RenderInvoiceAsync(http, renderer, sender, tenant, invoiceId, typed, errors, StatusCodes.Status400BadRequest);
            }).AddEndpointFilter<AntiforgeryFilter>();
        pages.MapPost("/invoices/{invoiceId:guid}/cancel", async (Guid invoiceId, HttpContext http, ISender sender) =>
            {
                var cancellation = await sender.Send(new CancelInvoice(invoiceId), http.RequestAborted);
                return Results.Redirect($"/admin/invoices/{cancellation.Id}");
            }).AddEndpointFilter<AntiforgeryFilter>();
        pages.MapGet("/revenue", async (HttpContext http, IPageRenderer renderer, ISender sender, TimeProvider clock) =>
            {
                var year = int.TryParse(http.Request.Query["year"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var y) ? y : (int?)null;
                var revenue = await sender.Send(new GetRevenue(year), http.RequestAborted);
                return await renderer.RenderAsync(http, RevenueTemplate, "Revenue", RevenueModel.Of(revenue, ContractViews.Today(clock).Year));
            });
        pages.MapGet("/billing-details", async (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) =>
            {
                var d = await sender.Send(new GetBillingDetails(), http.RequestAborted);
                return await RenderDetailsAsync(http, renderer, tenant, d is null ? Empty : Form(d), new Dictionary<string, string>(), false, StatusCodes.Status200OK);
            });
        pages.MapPost("/billing-details", async (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) =>
            {
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                var input = new SetBillingDetails(
                    form["legalName"].ToString(), form["street"].ToString(), form["postalCode"].ToString(), form["city"].ToString(),
                    form["countryCode"].ToString(), form["vatId"].ToString(), form["email"].ToString(), form["smallBusiness"] == "on",
                    form["taxNumber"].ToString(), form["phone"].ToString(), form["iban"].ToString());
                try
                {
                    var saved = await sender.Send(input, http.RequestAborted);
                    return await RenderDetailsAsync(http, renderer, tenant, Form(saved), new Dictionary<string, string>(), true, StatusCodes.Status200OK);
                }
                catch (RequestValidationException ex)
                {
                    var typed = new BillingDetailsForm(
                        input.LegalName ?? "", input.Street ?? "", input.PostalCode ?? "", input.City ?? "", input.CountryCode ?? "", input.VatId ?? "", input.Email ?? "", input.SmallBusiness,
                        input.TaxNumber ?? "", input.Phone ?? "", input.Iban ?? "");
                    var errors = ex.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.First().Reason);
                    return await RenderDetailsAsync(http, renderer, tenant, typed, errors, false, StatusCodes.Status400BadRequest);
                }
            }).AddEndpointFilter<AntiforgeryFilter>();
    }

    private static readonly BillingDetailsForm Empty = new("", "", "", "", "DE", "", "", false, "", "", "");

    private static BillingDetailsForm Form(BillingDetailsView d) =>
        new(d.LegalName, d.Street, d.PostalCode, d.City, d.CountryCode, d.VatId ?? "", d.Email ?? "", d.SmallBusiness, d.TaxNumber ?? "", d.Phone ?? "", d.Iban ?? "");

    private static async Task<IResult> RenderInvoiceAsync(
        HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant, Guid invoiceId, PaymentForm? typed, IReadOnlyDictionary<string, string> errors, int status)
    {
        var invoice = await sender.Send(new GetInvoice(invoiceId), http.RequestAborted);
        var issuerStaff = invoice.IssuerId == tenant.ResellerId && tenant.CustomerId is null
            && http.RequestServices.GetRequiredService<IPermissionChecker>().Has(Identity.Contracts.Permissions.InvoiceIssue);
        var canCancel = issuerStaff && invoice is { Kind: Invoice.Regular, Status: Invoice.Final, CancelledBy: null };
        var canPay = issuerStaff && invoice.Payment is PaymentStates.Open or PaymentStates.Overdue;
        var today = ContractViews.Today(http.RequestServices.GetRequiredService<TimeProvider>());
        var form = typed ?? new PaymentForm(Money.Amount(invoice.Open), today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), "transfer", "");
        var recipient = tenant.CustomerId is not null || (invoice.Wholesale && invoice.IssuerId != tenant.ResellerId);
        var canPayByCard = recipient && invoice.Payment is PaymentStates.Open or PaymentStates.Overdue
            && http.RequestServices.GetRequiredService<StripeCheckout>().Options.Enabled;
        var page = InvoicePage.Of(invoice, canCancel, canPay, form, errors) with
        {
            CanPayByCard = canPayByCard,
            CardReturned = http.Request.Query["card"] == "paid" && invoice.Payment != PaymentStates.Paid,
        };
        return await renderer.RenderAsync(http, InvoiceTemplate, Title(invoice), page, status);
    }

    private static string Title(InvoiceView i) => i.Kind == Invoice.Cancellation ? "Cancellation invoice" : "Invoice";

    private static Task<IResult> RenderDetailsAsync(HttpContext http, IPageRenderer renderer, ITenantContext tenant, BillingDetailsForm form, IReadOnlyDictionary<string, string> errors, bool saved, int status) =>
        renderer.RenderAsync(http, DetailsTemplate, "Billing details", new BillingDetailsModel(form, tenant.CustomerId is null, errors, saved), status);

    /// <summary>A query string of the parameters that have a value, in the order given.</summary>
    private static QueryString Query(params (string Name, string? Value)[] parameters) =>
        QueryString.Create(parameters.Where(p => p.Value is not null).Select(p => new KeyValuePair<string, string?>(p.Name, p.Value)));

    private static async Task<IResult> RenderListAsync(HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant, InvoiceRunResult? run, string error, int status)
    {
        var unpaid = http.Request.Query["unpaid"] == "true";
        var number = int.TryParse(http.Request.Query["page"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= InvoiceList.MaxPage ? p : 1;
        var list = await sender.Send(new ListInvoices(null, unpaid, number), http.RequestAborted);
        var invoices = list.Invoices;
        string PageUrl(int n) => "/admin/invoices" + Query(("unpaid", unpaid ? "true" : null), ("page", n == 1 ? null : n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var me = tenant.ResellerId;
        var thisMonth = InvoiceViews.Month(null, http.RequestServices.GetRequiredService<TimeProvider>());
        var model = new InvoicesModel(
            [.. invoices.Select(i => new InvoiceRow(
                i.Id.ToString(), i.Number, i.Kind == Invoice.Cancellation, i.Status == Invoice.Draft, PageFormat.Day(i.IssuedOn),
                i.PeriodStart.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
                i.IssuerId == me && tenant.CustomerId is null ? i.Recipient.LegalName : i.Issuer.LegalName,
                i.IssuerId == me && tenant.CustomerId is null,
                Money.Amount(i.Net), Money.Amount(i.Vat), Money.Amount(i.Gross), i.CancelledBy ?? "", i.Payment, Money.Amount(i.Open)))],
            tenant.IsOperator,
            thisMonth.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
            run is null ? null : new RunSummary(run.Period, run.Created, run.Issued, run.AlreadyInvoiced, run.Skipped),
            error,
            unpaid,
            number > 1 ? PageUrl(number - 1) : "",
            list.More ? PageUrl(number + 1) : "");
        return await renderer.RenderAsync(http, ListTemplate, "Invoices", model, status);
    }
}

/// <summary>What Billing/Revenue.sbn-html shows: a year's months with amounts as EUR text.</summary>
/// <param name="Year">The year shown.</param>
/// <param name="Previous">The year before.</param>
/// <param name="Next">The year after, unless it is in the future; else empty.</param>
/// <param name="Months">January to December.</param>
/// <param name="Total">The year.</param>
/// <param name="Purchases">Show the wholesale cost and the margin (a reseller).</param>
public sealed record RevenueModel(int Year, string Previous, string Next, IReadOnlyList<RevenueRow> Months, RevenueRow Total, bool Purchases)
{
    public static RevenueModel Of(RevenueView r, int thisYear) => new(
        r.Year,
        (r.Year - 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
        r.Year < thisYear ? (r.Year + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : "",
        [.. r.Months.Select(RevenueRow.Of)],
        RevenueRow.Of(r.Total),
        r.Purchases);
}

/// <param name="Month">"2026-12", or the year.</param>
/// <param name="Invoices">Invoices issued.</param>
/// <param name="Net">EUR.</param>
/// <param name="Gross">EUR.</param>
/// <param name="Paid">EUR.</param>
/// <param name="Open">EUR.</param>
/// <param name="Overdue">EUR.</param>
/// <param name="Purchased">EUR.</param>
/// <param name="Margin">EUR.</param>
public sealed record RevenueRow(string Month, int Invoices, string Net, string Gross, string Paid, string Open, string Overdue, string Purchased, string Margin)
{
    public static RevenueRow Of(RevenueMonth m) => new(
        m.Month, m.Invoices, Money.Amount(m.Net), Money.Amount(m.Gross), Money.Amount(m.Paid), Money.Amount(m.Open), Money.Amount(m.Overdue), Money.Amount(m.Purchased), Money.Amount(m.Margin));
}

/// <summary>What Billing/Invoices.sbn-html shows.</summary>
/// <param name="Invoices">Newest month first.</param>
/// <param name="CanRun">The caller starts the monthly run (the operator).</param>
/// <param name="ThisMonth">The month the run form offers, "2026-12".</param>
/// <param name="Run">What the run just did, if the page answers one.</param>
/// <param name="Error">Why the run was refused.</param>
/// <param name="Unpaid">Only the invoices not paid yet are shown.</param>
/// <param name="NewerUrl">The page of newer invoices; empty on the first.</param>
/// <param name="OlderUrl">The page of older invoices; empty on the last.</param>
public sealed record InvoicesModel(IReadOnlyList<InvoiceRow> Invoices, bool CanRun, string ThisMonth, RunSummary? Run, string Error, bool Unpaid = false, string NewerUrl = "", string OlderUrl = "");

/// <param name="Id">The invoice's id.</param>
/// <param name="Number">Its number; empty for a draft.</param>
/// <param name="Cancellation">A cancellation invoice.</param>
/// <param name="Draft">Not issued yet.</param>
/// <param name="IssuedOn">The invoice date.</param>
/// <param name="Period">The month it covers, "2026-12".</param>
/// <param name="Party">The recipient (invoices the caller issued) or the issuer (invoices it received).</param>
/// <param name="Issued">The caller issued it.</param>
/// <param name="Net">EUR, net.</param>
/// <param name="Vat">EUR of VAT.</param>
/// <param name="Gross">EUR, gross.</param>
/// <param name="CancelledBy">The number of the cancellation invoice that cancelled it, if any.</param>
/// <param name="Payment">paid, open or overdue; empty for drafts, cancelled and cancellation invoices.</param>
/// <param name="Open">EUR still to pay.</param>
public sealed record InvoiceRow(string Id, string Number, bool Cancellation, bool Draft, string IssuedOn, string Period, string Party, bool Issued, string Net, string Vat, string Gross, string CancelledBy, string Payment = "", string Open = "");

/// <param name="Period">The month run.</param>
/// <param name="Created">Invoices created.</param>
/// <param name="Issued">Invoices numbered.</param>
/// <param name="AlreadyInvoiced">Recipients invoiced for the month before.</param>
/// <param name="Skipped">Who was not invoiced, and why.</param>
public sealed record RunSummary(string Period, int Created, int Issued, int AlreadyInvoiced, IReadOnlyList<string> Skipped);

/// <summary>What Billing/Invoice.sbn-html shows: one invoice as a document.</summary>
/// <param name="Id">The invoice's id.</param>
/// <param name="Title">"Invoice" or "Cancellation invoice".</param>
/// <param name="Number">Its number; empty for a draft.</param>
/// <param name="IssuedOn">The invoice date.</param>
/// <param name="PeriodFrom">First day of the service period.</param>
/// <param name="PeriodTo">Last day of the service period.</param>
/// <param name="Issuer">Issuer's name and address lines.</param>
/// <param name="IssuerVatId">Issuer's VAT ID.</param>
/// <param name="IssuerTaxNumber">Issuer's tax number (shown when it has no VAT ID).</param>
/// <param name="IssuerContact">Issuer's e-mail and telephone, as one line.</param>
/// <param name="IssuerIban">Where to pay.</param>
/// <param name="Recipient">Recipient's name and address lines.</param>
/// <param name="RecipientVatId">Recipient's VAT ID.</param>
/// <param name="Lines">What is charged.</param>
/// <param name="Net">Net total, EUR.</param>
/// <param name="VatRate">VAT rate in per cent.</param>
/// <param name="Vat">VAT, EUR.</param>
/// <param name="Gross">Gross total, EUR.</param>
/// <param name="Note">What the law asks it to say about VAT.</param>
/// <param name="Cancels">The number of the invoice it cancels.</param>
/// <param name="CancelledBy">The number of the invoice that cancelled it.</param>
/// <param name="Draft">Not issued yet.</param>
/// <param name="CanCancel">The caller issued it and may cancel it.</param>
public sealed record InvoicePage(
    string Id, string Title, string Number, string IssuedOn, string PeriodFrom, string PeriodTo, IReadOnlyList<string> Issuer, string IssuerVatId, string IssuerTaxNumber, string IssuerContact, string IssuerIban,
    IReadOnlyList<string> Recipient, string RecipientVatId, IReadOnlyList<InvoicePageLine> Lines, string Net, string VatRate, string Vat, string Gross,
    string Note, string Cancels, string CancelledBy, bool Draft, bool CanCancel,
    string DueOn = "", string Payment = "", string Paid = "", string Open = "", IReadOnlyList<InvoicePagePayment>? Payments = null,
    IReadOnlyList<InvoicePageReminder>? Reminders = null, bool CanRecordPayment = false, PaymentForm? PaymentForm = null,
    IReadOnlyDictionary<string, string>? PaymentErrors = null, IReadOnlyList<string>? Methods = null, bool CanPayByCard = false, bool CardReturned = false)
{
    public static InvoicePage Of(InvoiceView i, bool canCancel, bool canPay, PaymentForm form, IReadOnlyDictionary<string, string> errors) => new(
        i.Id.ToString(), i.Kind == Invoice.Cancellation ? "Cancellation invoice" : "Invoice", i.Number, PageFormat.Day(i.IssuedOn),
        PageFormat.Day(i.PeriodStart), PageFormat.Day(i.PeriodEnd), AddressOf(i.Issuer), i.Issuer.VatId ?? "", i.Issuer.TaxNumber ?? "",
        string.Join(" · ", new[] { i.Issuer.Email, i.Issuer.Phone }.Where(x => !string.IsNullOrEmpty(x))), i.Issuer.Iban ?? "", AddressOf(i.Recipient), i.Recipient.VatId ?? "",
        [.. i.Lines.Select(l => new InvoicePageLine(l.Position, l.Description, PageFormat.Day(l.From), PageFormat.Day(l.To), l.Days, l.DaysInMonth, l.Days != l.DaysInMonth, Money.Amount(l.MonthlyNet), Money.Amount(l.Net)))],
        Money.Amount(i.Net), i.VatRate.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture), Money.Amount(i.Vat), Money.Amount(i.Gross), i.Note,
        i.Cancels ?? "", i.CancelledBy ?? "", i.Status == Invoice.Draft, canCancel,
        PageFormat.Day(i.DueOn), i.Payment, Money.Amount(i.Paid), Money.Amount(i.Open),
        [.. (i.Payments ?? []).Select(p => new InvoicePagePayment(PageFormat.Day(p.PaidOn), Money.Amount(p.Amount), p.Method, p.Reference, p.RecordedBy))],
        [.. (i.Reminders ?? []).Select(r => new InvoicePageReminder(r.Level, PageFormat.Day(DateOnly.FromDateTime(r.At.UtcDateTime)), Money.Amount(r.Open), r.Mailed, r.MailError ?? ""))],
        canPay, form, errors, PaymentMethods.All);

    private static IReadOnlyList<string> AddressOf(BillingDetailsView d) => [d.LegalName, d.Street, $"{d.PostalCode} {d.City}", d.CountryCode];
}

/// <param name="PaidOn">The day it was received.</param>
/// <param name="Amount">EUR.</param>
/// <param name="Method">transfer, direct-debit, card, cash or other.</param>
/// <param name="Reference">The bank's reference, if any.</param>
/// <param name="RecordedBy">Who recorded it.</param>
public sealed record InvoicePagePayment(string PaidOn, string Amount, string Method, string Reference, string RecordedBy);

/// <param name="Level">1 reminder, 2 second reminder, 3 final notice, 4 suspension.</param>
/// <param name="On">The day it was taken.</param>
/// <param name="Open">EUR open then.</param>
/// <param name="Mailed">The recipient was mailed.</param>
/// <param name="MailError">Why the mail did not go out (yet).</param>
public sealed record InvoicePageReminder(int Level, string On, string Open, bool Mailed, string MailError);

/// <summary>The record-payment form's values, as shown or as typed.</summary>
public sealed record PaymentForm(string Amount, string PaidOn, string Method, string Reference);

/// <param name="Position">1, 2, …</param>
/// <param name="Description">What is charged.</param>
/// <param name="From">First day charged.</param>
/// <param name="To">Last day charged.</param>
/// <param name="Days">Days charged.</param>
/// <param name="DaysInMonth">Days of that month.</param>
/// <param name="Part">Only part of the month is charged.</param>
/// <param name="MonthlyNet">The monthly price, EUR.</param>
/// <param name="Net">The line's amount, EUR.</param>
public sealed record InvoicePageLine(int Position, string Description, string From, string To, int Days, int DaysInMonth, bool Part, string MonthlyNet, string Net);

/// <summary>What Billing/BillingDetails.sbn-html shows.</summary>
/// <param name="Form">The details as kept, or as typed when refused.</param>
/// <param name="Issuer">The caller keeps an issuer's details (a reseller's or the operator's): the small-business choice applies.</param>
/// <param name="Errors">Why a field was refused, by the field's name.</param>
/// <param name="Saved">The details were just saved.</param>
public sealed record BillingDetailsModel(BillingDetailsForm Form, bool Issuer, IReadOnlyDictionary<string, string> Errors, bool Saved);

/// <param name="LegalName">Full legal name.</param>
/// <param name="Street">Street and number.</param>
/// <param name="PostalCode">Postal code.</param>
/// <param name="City">Town or city.</param>
/// <param name="CountryCode">Two-letter country code.</param>
/// <param name="VatId">VAT ID.</param>
/// <param name="Email">E-mail address for invoices.</param>
/// <param name="SmallBusiness">No VAT under § 19 UStG.</param>
/// <param name="TaxNumber">Tax number (issuers).</param>
/// <param name="Phone">Telephone number.</param>
/// <param name="Iban">Bank account to be paid to (issuers).</param>
public sealed record BillingDetailsForm(
    string LegalName, string Street, string PostalCode, string City, string CountryCode, string VatId, string Email, bool SmallBusiness, string TaxNumber, string Phone, string Iban);
