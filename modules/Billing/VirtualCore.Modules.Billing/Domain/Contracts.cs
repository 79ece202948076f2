using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Modules.Billing.Domain;

/// <summary>A flat monthly contract of a customer for one product, at the price it was ordered for.</summary>
internal sealed class Contract : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public string ProductCode { get; set; } = "";

    public string ProductName { get; set; } = "";

    public long MonthlyNetCents { get; set; }

    /// <summary>The wholesale price when ordered: what the operator invoices the reseller for it a month, net, in euro cents.</summary>
    public long WholesaleCents { get; set; }

    public bool Consumer { get; set; }

    public DateOnly StartsOn { get; set; }

    public int MinimumTermMonths { get; set; } = ContractTerms.MinimumTermMonths;

    public int NoticeMonths { get; set; }

    public DateOnly? CancelledOn { get; set; }

    public DateOnly? EndsOn { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string CreatedBy { get; set; } = "";
}

/// <summary>
/// When a contract ends. Every contract has a minimum term of 12 months. A business's contract renews for another 12
/// months unless notice is given three months before a term ends. A consumer's contract (German law since March 2022,
/// §309 No. 9 BGB) runs on after the minimum term for an indefinite time and ends one month after notice.
/// </summary>
internal static class ContractTerms
{
    public const int MinimumTermMonths = 12;

    public const int ConsumerNoticeMonths = 1;

    public const int BusinessNoticeMonths = 3;

    public static int NoticeMonths(bool consumer) => consumer ? ConsumerNoticeMonths : BusinessNoticeMonths;

    /// <summary>The last day of the <paramref name="term"/>-th term (1 is the minimum term).</summary>
    public static DateOnly TermEnd(Contract contract, int term) => contract.StartsOn.AddMonths(contract.MinimumTermMonths * term).AddDays(-1);

    /// <summary>
    /// The contract's last day with notice given on <paramref name="day"/> for the end of <paramref name="wanted"/> or
    /// later: the first day it may end on or after that day.
    /// </summary>
    public static DateOnly EndWithNoticeOn(Contract contract, DateOnly day, DateOnly? wanted)
    {
        var earliest = EndWithNoticeOn(contract, day).EndsOn;
        if (wanted is not { } later || later <= earliest)
        {
            return earliest;
        }

        if (contract.Consumer)
        {
            return later;
        }

        var term = 1;
        while (TermEnd(contract, term) < later)
        {
            term++;
        }

        return TermEnd(contract, term);
    }

    /// <summary>The contract's last day if notice is given on <paramref name="day"/>, and the rule that made it so.</summary>
    public static (DateOnly EndsOn, string Rule) EndWithNoticeOn(Contract contract, DateOnly day)
    {
        var earliest = day.AddMonths(contract.NoticeMonths);
        var first = TermEnd(contract, 1);
        if (contract.Consumer)
        {
            return earliest <= first
                ? (first, "The minimum term ends on that day.")
                : (earliest, "After its minimum term a consumer's contract ends one month after notice.");
        }

        var term = 1;
        while (TermEnd(contract, term) < earliest)
        {
            term++;
        }

        return (TermEnd(contract, term), term == 1
            ? "The minimum term ends on that day."
            : "Notice reaches the end of a term only three months before it; the contract renews for 12 months until then.");
    }
}
