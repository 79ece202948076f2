using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;

namespace VirtualCore.Portal.Tests.Billing;

/// <summary>The arithmetic of invoices: parts of months, rounding, VAT by where the recipient is, and the month as typed.</summary>
public sealed class InvoiceMathTests
{
    private static readonly DateOnly March = new(2031, 3, 1);

    [Theory]
    [InlineData("2030-01-01", null, 7500, "2031-03-01", "2031-03-31", 31, 7500)] // the whole month: the monthly price, not 31/31 of it
    [InlineData("2031-03-11", null, 13000, "2031-03-11", "2031-03-31", 21, 8806)] // 130 × 21/31 = 88.0645…
    [InlineData("2030-06-01", "2031-03-15", 199000, "2031-03-01", "2031-03-15", 15, 96290)] // 1990 × 15/31 = 962.903…
    [InlineData("2031-03-10", "2031-03-10", 3100, "2031-03-10", "2031-03-10", 1, 100)] // one day
    [InlineData("2031-03-31", null, 6200, "2031-03-31", "2031-03-31", 1, 200)]
    [InlineData("2031-03-02", "2031-03-31", 1, "2031-03-02", "2031-03-31", 30, 1)] // 0.97 cents rounds up
    [InlineData("2031-03-17", null, 100, "2031-03-17", "2031-03-31", 15, 48)] // 48.39 cents
    public void A_contract_is_charged_its_days_of_the_month(string starts, string? ends, long monthly, string from, string to, int days, long cents)
    {
        var part = InvoiceMath.Prorate(March, DateOnly.Parse(starts), ends is null ? null : DateOnly.Parse(ends), monthly);

        Assert.Equal((DateOnly.Parse(from), DateOnly.Parse(to), days, 31, cents), part);
    }

    [Fact]
    public void Half_a_cent_rounds_away_from_zero_and_february_has_its_own_days()
    {
        // 1 cent × 15/30 = 0.5 → 1; 29 days in February 2032.
        Assert.Equal(1L, InvoiceMath.Prorate(new DateOnly(2031, 4, 1), new DateOnly(2031, 4, 16), null, 1)!.Value.Cents);
        Assert.Equal((15, 29, 7759L), (InvoiceMath.Prorate(new DateOnly(2032, 2, 1), new DateOnly(2032, 2, 15), null, 15000) is { } p ? (p.Days, p.DaysInMonth, p.Cents) : default));
        Assert.Equal((28, 28), InvoiceMath.Prorate(new DateOnly(2031, 2, 1), new DateOnly(2020, 1, 1), null, 1) is { } q ? (q.Days, q.DaysInMonth) : default);
    }

    [Theory]
    [InlineData("2031-04-01", null)] // starts after the month
    [InlineData("2030-01-01", "2031-02-28")] // ended before it
    public void A_contract_outside_the_month_is_not_charged(string starts, string? ends) =>
        Assert.Null(InvoiceMath.Prorate(March, DateOnly.Parse(starts), ends is null ? null : DateOnly.Parse(ends), 7500));

    [Theory]
    [InlineData(false, "DE", null, VatTreatments.Standard, 1900)]
    [InlineData(false, "DE", "DE123456789", VatTreatments.Standard, 1900)] // a German business pays German VAT
    [InlineData(false, "AT", "ATU12345678", VatTreatments.ReverseCharge, 0)]
    [InlineData(false, "AT", null, VatTreatments.Standard, 1900)] // no VAT ID: no reverse charge
    [InlineData(false, "GB", "GB123456789", VatTreatments.NotTaxable, 0)]
    [InlineData(false, "CH", null, VatTreatments.NotTaxable, 0)]
    [InlineData(true, "DE", null, VatTreatments.SmallBusiness, 0)]
    [InlineData(true, "FR", "FR12345678901", VatTreatments.SmallBusiness, 0)] // § 19 wins: the issuer charges no VAT at all
    public void Vat_follows_the_issuer_and_where_the_recipient_is(bool smallBusiness, string country, string? vatId, string treatment, int rate)
    {
        Assert.Equal(treatment, InvoiceMath.Treatment(smallBusiness, country, vatId));
        Assert.Equal(rate, InvoiceMath.RateBasisPoints(treatment));
        Assert.Equal(treatment == VatTreatments.Standard, InvoiceMath.Note(treatment, "de") == "");
    }

    [Theory]
    [InlineData(16306, 3098)] // 30.9814
    [InlineData(96290, 18295)] // 182.951
    [InlineData(50, 10)] // 9.5 cents → 10
    [InlineData(-16306, -3098)] // a cancellation's VAT is the original's negated
    public void Vat_is_19_per_cent_rounded_to_the_cent(long net, long vat) => Assert.Equal(vat, InvoiceMath.Vat(net, InvoiceMath.StandardRateBasisPoints));

    [Theory]
    [InlineData("2026-12", "2026-12-01")]
    [InlineData("2031-02", "2031-02-01")]
    [InlineData("2026-13", null)]
    [InlineData("2026-1", null)]
    [InlineData("2026-12-01", null)]
    [InlineData("1999-12", null)]
    [InlineData("12-2026", null)]
    [InlineData("２０２６-12", null)] // full-width digits
    [InlineData("", null)]
    [InlineData(null, null)]
    public void The_month_is_typed_as_year_and_month(string? typed, string? first) =>
        Assert.Equal(first is null ? null : DateOnly.Parse(first), InvoiceMath.ParsePeriod(typed));

    [Fact]
    public void Numbers_carry_the_year_and_six_digits() => Assert.Equal(("2026-000001", "2027-123456"), (InvoiceMath.Number(2026, 1), InvoiceMath.Number(2027, 123456)));
}
