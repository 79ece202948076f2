using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Billing.Contracts;

namespace VirtualCore.Modules.Billing.Domain;

/// <summary>A flat monthly contract of a customer for one product, at the price it was ordered for.</summary>
internal sealed class Contract : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public string ProductCode { get; set; } = "";

    public string ProductName { get; set; } = "";

    /// <summary>vserver, vdatacenter or addon, as the product was when ordered.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The cores a plan adds to the customer's vDataCenter; null for an add-on.</summary>
    public int? Cores { get; set; }

    /// <summary>The RAM in GiB a plan adds to the customer's vDataCenter.</summary>
    public int? MemoryGiB { get; set; }

    /// <summary>The disk storage in GiB a plan adds to the customer's vDataCenter.</summary>
    public int? DiskGiB { get; set; }

    public long MonthlyNetCents { get; set; }

    /// <summary>The wholesale price when ordered: what the operator invoices the reseller for it a month, net, in euro cents.</summary>
    public long WholesaleCents { get; set; }

    public bool Consumer { get; set; }

    public DateOnly StartsOn { get; set; }

    /// <summary>
    /// For a contract that replaced a smaller plan, the day its terms are counted from: the smaller plan's (an upgrade
    /// keeps the term running, it does not start a new one). Null: from its first day.
    /// </summary>
    public DateOnly? TermStartsOn { get; set; }

    /// <summary>The smaller plan's contract this one replaced from its first day, if it was an upgrade.</summary>
    public Guid? ReplacesId { get; set; }

    /// <summary>The larger plan's contract that replaced this one the day after its last day.</summary>
    public Guid? ReplacedById { get; set; }

    /// <summary>Its plan's cores, RAM and disk were added to the customer's vDataCenter (from its first day).</summary>
    public bool Provisioned { get; set; }

    /// <summary>
    /// Its plan's cores, RAM and disk were taken off the customer's vDataCenter again (after its last day), or were never
    /// added (contracts from before plans were provisioned).
    /// </summary>
    public bool Released { get; set; }

    public int MinimumTermMonths { get; set; } = ContractTerms.MinimumTermMonths;

    public int NoticeMonths { get; set; }

    public DateOnly? CancelledOn { get; set; }

    public DateOnly? EndsOn { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string CreatedBy { get; set; } = "";

    /// <summary>A plan, as opposed to an add-on: it sets the size of the customer's vDataCenter.</summary>
    public bool IsPlan => Kind is ProductKinds.VServer or ProductKinds.VDataCenter;

    /// <summary>It runs on <paramref name="day"/>.</summary>
    public bool RunsOn(DateOnly day) => StartsOn <= day && (EndsOn is null || EndsOn >= day);
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
    public static DateOnly TermEnd(Contract contract, int term) => (contract.TermStartsOn ?? contract.StartsOn).AddMonths(contract.MinimumTermMonths * term).AddDays(-1);

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
