using System.Globalization;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;
using VirtualCore.Modules.Billing.Contracts;

namespace VirtualCore.Modules.Billing.Features;

/// <summary>
/// An issued invoice as a PDF on A4, as a letter from its issuer: the issuer's brand and address at the top, the
/// recipient's address where a window envelope shows it, then number, date, service period, the lines, net, VAT by rate
/// and gross, the VAT note and how to pay. Everything §14 UStG asks of an invoice is on it.
/// </summary>
internal static class InvoicePdf
{
    /// <summary>Says a text in the reader's language, with its values in place.</summary>
    public delegate string Say(string text, params object?[] values);

    private const string Family = "DejaVu Sans";

    private const double Left = 56;

    private const double Right = 539;

    /// <summary>Where the lines' descriptions start.</summary>
    private const double Text = 80;

    /// <summary>The right edges of the days and monthly price columns.</summary>
    private const double DaysRight = 380;

    private const double MonthlyRight = 465;

    /// <summary>Where the facts beside the address start.</summary>
    private const double Facts = 300;

    private static readonly XColor Ink = XColor.FromArgb(33, 37, 41);

    private static readonly XColor Muted = XColor.FromArgb(108, 117, 125);

    public static byte[] Render(InvoiceView invoice, string? brand, Say say)
    {
        InvoiceFonts.Install();
        using var document = new PdfDocument();
        document.Info.Title = $"{say(invoice.Kind == "cancellation" ? "Cancellation invoice" : "Invoice")} {invoice.Number}";
        document.Info.Author = invoice.Issuer.LegalName;
        document.Info.Creator = "VirtualCore Platform";
        var page = document.AddPage();
        page.Size = PdfSharp.PageSize.A4;
        var gfx = XGraphics.FromPdfPage(page);
        var regular = new XFont(Family, 9, XFontStyleEx.Regular);
        var small = new XFont(Family, 7, XFontStyleEx.Regular);
        var bold = new XFont(Family, 9, XFontStyleEx.Bold);
        var title = new XFont(Family, 16, XFontStyleEx.Bold);
        var ink = new XSolidBrush(Ink);
        var muted = new XSolidBrush(Muted);
        var pages = new List<XGraphics> { gfx };

        // Letterhead: the brand the customer knows, and who issues the invoice.
        var y = 56.0;
        gfx.DrawString(string.IsNullOrEmpty(brand) ? invoice.Issuer.LegalName : brand, title, ink, Left, y);
        var issuer = invoice.Issuer;
        var from = string.Join(" · ", new[] { issuer.LegalName, issuer.Street, $"{issuer.PostalCode} {issuer.City}", issuer.CountryCode }.Where(s => !string.IsNullOrWhiteSpace(s)));
        gfx.DrawString(from, small, muted, Left, y + 14);

        // The recipient, where a DIN 5008 window envelope shows it.
        y = 140;
        var recipient = invoice.Recipient;
        foreach (var line in new[] { recipient.LegalName, recipient.Street, $"{recipient.PostalCode} {recipient.City}", recipient.CountryCode })
        {
            gfx.DrawString(line, regular, ink, Left, y);
            y += 12;
        }

        if (!string.IsNullOrEmpty(recipient.VatId))
        {
            gfx.DrawString(say("VAT ID: {0}", recipient.VatId), regular, ink, Left, y);
        }

        // The facts on the right: number, date, period, the issuer's tax numbers.
        var facts = new List<(string, string)>
        {
            (say("Invoice number"), invoice.Number),
            (say("Invoice date"), Day(invoice.IssuedOn)),
            (say("Service period"), $"{Day(invoice.PeriodStart)} – {Day(invoice.PeriodEnd)}"),
        };
        if (!string.IsNullOrEmpty(issuer.VatId))
        {
            facts.Add((say("Our VAT ID"), issuer.VatId));
        }
        else if (!string.IsNullOrEmpty(issuer.TaxNumber))
        {
            facts.Add((say("Our tax number"), issuer.TaxNumber));
        }

        var fy = 140.0;
        foreach (var (label, value) in facts)
        {
            gfx.DrawString(label, regular, muted, Facts, fy);
            gfx.DrawString(value, regular, ink, new XRect(Facts, fy - 9, Right - Facts, 12), XStringFormats.TopRight);
            fy += 12;
        }

        y = 250;
        var heading = invoice.Kind == "cancellation" ? say("Cancellation invoice {0}", invoice.Number) : say("Invoice {0}", invoice.Number);
        gfx.DrawString(heading, new XFont(Family, 13, XFontStyleEx.Bold), ink, Left, y);
        y += 16;
        if (!string.IsNullOrEmpty(invoice.Cancels))
        {
            gfx.DrawString(say("Cancels invoice {0} in full.", invoice.Cancels), regular, ink, Left, y);
            y += 12;
        }

        // The lines: what, for which days, at which monthly price, and the amount.
        y += 10;
        void Header(XGraphics g, double at)
        {
            g.DrawString("#", bold, ink, Left, at);
            g.DrawString(say("Description"), bold, ink, Text, at);
            g.DrawString(say("Days"), bold, ink, new XRect(DaysRight - 80, at - 9, 80, 12), XStringFormats.TopRight);
            g.DrawString(say("EUR a month"), bold, ink, new XRect(MonthlyRight - 100, at - 9, 100, 12), XStringFormats.TopRight);
            g.DrawString(say("EUR net"), bold, ink, new XRect(Right - 70, at - 9, 70, 12), XStringFormats.TopRight);
            g.DrawLine(new XPen(Muted, 0.5), Left, at + 4, Right, at + 4);
        }

        Header(gfx, y);
        y += 18;
        foreach (var line in invoice.Lines)
        {
            if (y > 730)
            {
                var next = document.AddPage();
                next.Size = PdfSharp.PageSize.A4;
                gfx = XGraphics.FromPdfPage(next);
                pages.Add(gfx);
                y = 72;
                Header(gfx, y);
                y += 18;
            }

            gfx.DrawString(line.Position.ToString(CultureInfo.InvariantCulture), regular, ink, Left, y);
            gfx.DrawString(Fit(gfx, line.Description, regular, DaysRight - 60 - Text), regular, ink, Text, y);
            gfx.DrawString($"{Day(line.From)} – {Day(line.To)}", small, muted, Text, y + 10);
            gfx.DrawString($"{line.Days}/{line.DaysInMonth}", regular, ink, new XRect(DaysRight - 80, y - 9, 80, 12), XStringFormats.TopRight);
            gfx.DrawString(Amount(line.MonthlyNet), regular, ink, new XRect(MonthlyRight - 100, y - 9, 100, 12), XStringFormats.TopRight);
            gfx.DrawString(Amount(line.Net), regular, ink, new XRect(Right - 70, y - 9, 70, 12), XStringFormats.TopRight);
            y += 24;
        }

        // Totals: net, VAT at its rate, gross.
        gfx.DrawLine(new XPen(Muted, 0.5), 330, y - 6, Right, y - 6);
        y += 6;
        var vatLabel = invoice.VatRate > 0 ? say("VAT {0} %", invoice.VatRate.ToString("0.##", CultureInfo.InvariantCulture)) : say("VAT 0 %");
        foreach (var (label, amount, font) in new[] { (say("Total net"), invoice.Net, regular), (vatLabel, invoice.Vat, regular), (say("Total"), invoice.Gross, bold) })
        {
            gfx.DrawString(label, font, ink, 330, y);
            gfx.DrawString($"{Amount(amount)} EUR", font, ink, new XRect(400, y - 9, Right - 400, 12), XStringFormats.TopRight);
            y += 14;
        }

        y += 10;
        if (!string.IsNullOrEmpty(invoice.Note))
        {
            y = Paragraph(gfx, invoice.Note, regular, ink, y);
        }

        if (invoice.Kind != "cancellation" && invoice.Gross > 0)
        {
            var due = invoice.DueOn ?? invoice.IssuedOn?.AddDays(XRechnung.PaymentDays);
            var pay = string.IsNullOrEmpty(issuer.Iban)
                ? say("Please pay by {0}.", Day(due))
                : say("Please pay by {0} to IBAN {1}, quoting the invoice number.", Day(due), issuer.Iban);
            Paragraph(gfx, pay, regular, ink, y + 4);
        }

        // Every page: who issued it, and the page's place.
        for (var i = 0; i < pages.Count; i++)
        {
            var footer = string.Join(" · ", new[] { issuer.LegalName, issuer.Email, issuer.Phone }.Where(s => !string.IsNullOrWhiteSpace(s)));
            pages[i].DrawString(footer, small, muted, Left, 800);
            pages[i].DrawString(say("Page {0} of {1}", i + 1, pages.Count), small, muted, new XRect(Left, 791, Right - Left, 12), XStringFormats.TopRight);
            pages[i].Dispose();
        }

        using var stream = new MemoryStream();
        document.Save(stream, false);
        return stream.ToArray();
    }

    private static string Day(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";

    private static string Amount(decimal euros) => euros.ToString("#,##0.00", CultureInfo.InvariantCulture);

    /// <summary>The text cut to fit <paramref name="width"/>, with an ellipsis when it had to be.</summary>
    private static string Fit(XGraphics gfx, string text, XFont font, double width)
    {
        if (gfx.MeasureString(text, font).Width <= width)
        {
            return text;
        }

        var cut = text;
        while (cut.Length > 1 && gfx.MeasureString(cut + "…", font).Width > width)
        {
            cut = cut[..^1];
        }

        return cut + "…";
    }

    /// <summary>Draws the text wrapped at word boundaries across the page's text width; answers where the next line starts.</summary>
    private static double Paragraph(XGraphics gfx, string text, XFont font, XBrush brush, double y)
    {
        var line = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (gfx.MeasureString(candidate, font).Width > Right - Left && line.Length > 0)
            {
                gfx.DrawString(line, font, brush, Left, y);
                y += 12;
                line = word;
            }
            else
            {
                line = candidate;
            }
        }

        if (line.Length > 0)
        {
            gfx.DrawString(line, font, brush, Left, y);
            y += 12;
        }

        return y;
    }
}

/// <summary>
/// The fonts invoices are set in: DejaVu Sans from the system's fonts (Debian's fonts-dejavu-core), or from
/// <c>Billing:FontDirectory</c>. PDFsharp takes one font resolver per process, installed on the first invoice.
/// </summary>
internal sealed class InvoiceFonts : IFontResolver
{
    private static readonly Lock Gate = new();

    private static bool installed;

    public static string Directory { get; set; } = "/usr/share/fonts/truetype/dejavu";

    public static void Install()
    {
        lock (Gate)
        {
            if (!installed)
            {
                GlobalFontSettings.FontResolver ??= new InvoiceFonts();
                installed = true;
            }
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new(bold ? "DejaVuSans-Bold" : "DejaVuSans");

    public byte[]? GetFont(string faceName)
    {
        var path = Path.Combine(Directory, faceName + ".ttf");
        return File.Exists(path)
            ? File.ReadAllBytes(path)
            : throw new InvalidOperationException($"The invoice font '{path}' is missing: install Debian's fonts-dejavu-core or set Billing:FontDirectory.");
    }
}
