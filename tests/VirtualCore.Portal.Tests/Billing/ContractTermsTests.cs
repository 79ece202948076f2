using VirtualCore.Modules.Billing.Domain;

namespace VirtualCore.Portal.Tests.Billing;

/// <summary>The day a contract ends with notice on a given day: minimum term, a business's renewals, a consumer's month.</summary>
public sealed class ContractTermsTests
{
    private static Contract Started(string on, bool consumer) => new()
    {
        StartsOn = DateOnly.Parse(on, System.Globalization.CultureInfo.InvariantCulture),
        Consumer = consumer,
        NoticeMonths = ContractTerms.NoticeMonths(consumer),
    };

    [Theory]
    // A business: three months before a term's end reaches it; later, the next term's end.
    [InlineData("2026-01-15", false, "2026-01-15", "2027-01-14")]
    [InlineData("2026-01-15", false, "2026-10-14", "2027-01-14")]
    [InlineData("2026-01-15", false, "2026-10-15", "2028-01-14")]
    [InlineData("2026-01-15", false, "2027-06-01", "2028-01-14")]
    [InlineData("2026-01-15", false, "2027-10-15", "2029-01-14")]
    // A consumer: the minimum term's end while a month's notice reaches it, then one month after notice.
    [InlineData("2026-01-15", true, "2026-01-15", "2027-01-14")]
    [InlineData("2026-01-15", true, "2026-12-14", "2027-01-14")]
    [InlineData("2026-01-15", true, "2026-12-15", "2027-01-15")]
    [InlineData("2026-01-15", true, "2027-06-01", "2027-07-01")]
    // Month ends and leap years: the 31st becomes the month's last day, 29 February the 28th.
    [InlineData("2026-03-31", true, "2027-05-31", "2027-06-30")]
    [InlineData("2028-02-29", false, "2028-03-01", "2029-02-27")]
    [InlineData("2028-02-29", true, "2029-01-29", "2029-02-28")]
    public void Notice_on_a_day_ends_the_contract_on_the_day_its_terms_give(string start, bool consumer, string notice, string ends)
    {
        var contract = Started(start, consumer);
        var (endsOn, rule) = ContractTerms.EndWithNoticeOn(contract, DateOnly.Parse(notice, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(ends, endsOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Assert.False(string.IsNullOrEmpty(rule));
    }

    [Fact]
    public void A_contract_never_ends_before_its_minimum_term_or_sooner_than_its_notice_allows()
    {
        foreach (var consumer in new[] { false, true })
        {
            var contract = Started("2026-01-31", consumer);
            var firstTermEnd = ContractTerms.TermEnd(contract, 1);
            for (var day = contract.StartsOn; day < contract.StartsOn.AddYears(4); day = day.AddDays(1))
            {
                var (endsOn, _) = ContractTerms.EndWithNoticeOn(contract, day);
                Assert.True(endsOn >= firstTermEnd, $"{consumer} {day}: {endsOn}");
                Assert.True(endsOn >= day.AddMonths(contract.NoticeMonths), $"{consumer} {day}: {endsOn}");
                Assert.True(endsOn <= day.AddMonths(contract.NoticeMonths + (consumer ? 0 : 12)) || endsOn == firstTermEnd, $"{consumer} {day}: {endsOn}");
            }
        }
    }
}
