using Mediator;

namespace VirtualCore.Modules.Billing.Contracts;

/// <summary>What a product of the catalogue is.</summary>
public static class ProductKinds
{
    /// <summary>A single virtual server of a fixed size.</summary>
    public const string VServer = "vserver";

    /// <summary>A vDataCenter: a pool of cores, RAM, disk, addresses and traffic the customer divides among its VMs.</summary>
    public const string VDataCenter = "vdatacenter";

    /// <summary>Booked beside a plan: failover protection, recovery points, extra addresses or traffic.</summary>
    public const string AddOn = "addon";

    public static IReadOnlyList<string> All { get; } = [VServer, VDataCenter, AddOn];
}

/// <summary>One product with the monthly net prices the caller may see (EUR).</summary>
/// <param name="Code">Its stable code, e.g. "vserver-s".</param>
/// <param name="Kind">vserver, vdatacenter or addon (<see cref="ProductKinds"/>).</param>
/// <param name="Name">Its name in the catalogue.</param>
/// <param name="Cores">Dedicated cores it includes, if any.</param>
/// <param name="MemoryGiB">RAM in GiB it includes, if any.</param>
/// <param name="DiskGiB">Disk storage in GiB it includes, if any.</param>
/// <param name="IpAddresses">Public IPv4 addresses it includes, if any.</param>
/// <param name="TrafficGiB">Monthly traffic in GiB it includes, if any.</param>
/// <param name="WholesaleMonthlyNet">What the operator charges resellers a month, net; only resellers' staff and the operator see it.</param>
/// <param name="RetailMonthlyNet">What the caller's reseller charges its customers a month, net; null when it does not offer the product.</param>
public sealed record ProductView(
    string Code,
    string Kind,
    string Name,
    int? Cores,
    int? MemoryGiB,
    int? DiskGiB,
    int? IpAddresses,
    int? TrafficGiB,
    decimal? WholesaleMonthlyNet,
    decimal? RetailMonthlyNet)
{
    /// <summary>Prices are in euros.</summary>
    public string Currency => "EUR";
}

/// <summary>The catalogue as the caller sees it.</summary>
/// <param name="Reseller">The reseller whose retail prices these are.</param>
/// <param name="SetsRetail">The caller sets these retail prices (its reseller's staff, the operator for the provider's own).</param>
/// <param name="SetsWholesale">The caller sets the wholesale prices and adds products (the operator).</param>
/// <param name="Products">Customers get only what their reseller offers; staff get every product.</param>
public sealed record Catalogue(string Reseller, bool SetsRetail, bool SetsWholesale, IReadOnlyList<ProductView> Products);

/// <summary>The catalogue with the caller's prices.</summary>
public sealed record GetCatalogue : IQuery<Catalogue>;

/// <summary>Adds a product to the catalogue (the operator).</summary>
/// <param name="Code">Lower-case letters, digits and hyphens, 2–40 characters; never changes.</param>
/// <param name="Kind">vserver, vdatacenter or addon.</param>
/// <param name="Name">1–80 characters.</param>
/// <param name="WholesaleMonthlyNet">The monthly net price for resellers, EUR, 0–100,000 with at most two decimals.</param>
public sealed record CreateProduct(
    string? Code, string? Kind, string? Name, int? Cores, int? MemoryGiB, int? DiskGiB, int? IpAddresses, int? TrafficGiB, decimal? WholesaleMonthlyNet)
    : ICommand<ProductView>;

/// <summary>Sets the monthly net price resellers pay for a product (the operator); never below what a reseller already charges.</summary>
public sealed record SetWholesalePrice(string Code, decimal? MonthlyNet) : ICommand<ProductView>;

/// <summary>Sets the monthly net price the caller's reseller charges its customers, at least the wholesale price; null stops offering it.</summary>
public sealed record SetRetailPrice(string Code, decimal? MonthlyNet) : ICommand<ProductView>;

/// <summary>A price as the API takes it.</summary>
/// <param name="MonthlyNet">EUR a month, net; null (retail only) stops offering the product.</param>
public sealed record PriceInput(decimal? MonthlyNet);

/// <summary>A flat monthly contract for one product.</summary>
/// <param name="Customer">The customer's company (for resellers' staff and the operator; empty for the customer itself).</param>
/// <param name="MonthlyNet">The retail price when ordered, EUR a month, net.</param>
/// <param name="Consumer">Ordered as a consumer (B2C): after the minimum term it runs on and ends one month after notice.</param>
/// <param name="StartsOn">The first day it runs.</param>
/// <param name="MinimumTermEndsOn">The last day of its minimum term (12 months).</param>
/// <param name="NoticeMonths">Notice one gives to end it: one month for consumers, three for businesses before a term ends.</param>
/// <param name="CancelledOn">The day notice was given, if it was.</param>
/// <param name="EndsOn">Its last day, once notice was given or a larger plan replaces it.</param>
/// <param name="Kind">vserver, vdatacenter or addon.</param>
/// <param name="Cores">The cores a plan adds to the customer's vDataCenter.</param>
/// <param name="MemoryGiB">The RAM in GiB a plan adds.</param>
/// <param name="DiskGiB">The disk storage in GiB a plan adds.</param>
/// <param name="ReplacesId">The smaller plan's contract this one replaced (an upgrade).</param>
/// <param name="ReplacedById">The larger plan's contract that replaces this one after its last day.</param>
public sealed record ContractView(
    Guid Id, string Customer, string ProductCode, string ProductName, decimal MonthlyNet, bool Consumer, DateOnly StartsOn,
    DateOnly MinimumTermEndsOn, int NoticeMonths, DateOnly? CancelledOn, DateOnly? EndsOn,
    string Kind, int? Cores, int? MemoryGiB, int? DiskGiB, Guid? ReplacesId, Guid? ReplacedById);

/// <summary>The contracts the caller may see: a customer's own, a reseller's customers', all for the operator.</summary>
public sealed record ListContracts : IQuery<IReadOnlyList<ContractView>>;

/// <summary>Orders a product the caller's reseller offers at its current price (a customer's administrators).</summary>
/// <param name="ProductCode">The product, as in the catalogue.</param>
/// <param name="Consumer">Ordered as a consumer (B2C) rather than for a business.</param>
public sealed record OrderContract(string? ProductCode, bool Consumer) : ICommand<ContractView>;

/// <summary>
/// Replaces a running plan's contract with a larger plan of the same kind from a day (today or later): the smaller
/// plan's contract ends the day before, the larger one's starts that day at the reseller's current price and keeps the
/// minimum term running. Days already invoiced at the smaller plan's price after its last day are credited on the next
/// invoice, prorated by day. A customer's administrators.
/// </summary>
/// <param name="ContractId">The running plan's contract.</param>
/// <param name="ProductCode">The larger plan, as in the catalogue.</param>
/// <param name="From">The larger plan's first day; today when not given.</param>
public sealed record UpgradeContract(Guid ContractId, string? ProductCode, DateOnly? From) : ICommand<ContractView>;

/// <summary>An upgrade as the API takes it.</summary>
/// <param name="ProductCode">The larger plan.</param>
/// <param name="From">Its first day (yyyy-MM-dd), today or up to a year ahead; today when not given.</param>
public sealed record UpgradeInput(string? ProductCode, DateOnly? From);

/// <summary>The larger plans a contract can be upgraded to, and the days it can happen on.</summary>
public sealed record GetUpgradeOptions(Guid ContractId) : IQuery<UpgradeOptions>;

/// <param name="Contract">The contract as it is now.</param>
/// <param name="EarliestFrom">Today.</param>
/// <param name="LatestFrom">A year from today.</param>
/// <param name="Plans">Larger plans of the same kind the customer's reseller offers, smallest first.</param>
public sealed record UpgradeOptions(ContractView Contract, DateOnly EarliestFrom, DateOnly LatestFrom, IReadOnlyList<UpgradePlan> Plans);

/// <param name="Code">The plan's code.</param>
/// <param name="Name">Its name.</param>
/// <param name="MonthlyNet">The reseller's price, EUR a month, net.</param>
/// <param name="MonthlyDifference">What it costs a month more than the contract now.</param>
public sealed record UpgradePlan(string Code, string Name, decimal MonthlyNet, decimal MonthlyDifference, int? Cores, int? MemoryGiB, int? DiskGiB);

/// <summary>When a contract would end if notice were given today, without giving it.</summary>
public sealed record PreviewCancellation(Guid ContractId) : IQuery<CancellationPreview>;

/// <summary>Gives notice on a contract today; it ends on the day the preview showed.</summary>
public sealed record CancelContract(Guid ContractId) : ICommand<ContractView>;

/// <param name="NoticeGivenOn">Today.</param>
/// <param name="EndsOn">The contract's last day with notice given today.</param>
/// <param name="Rule">Why that day, in words.</param>
/// <param name="Contract">The contract as it is now.</param>
public sealed record CancellationPreview(Guid ContractId, DateOnly NoticeGivenOn, DateOnly EndsOn, string Rule, ContractView Contract);
