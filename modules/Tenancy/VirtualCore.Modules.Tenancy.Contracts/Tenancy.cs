using Mediator;

namespace VirtualCore.Modules.Tenancy.Contracts;

/// <summary>A reseller and its portal.</summary>
public sealed record ResellerView(Guid Id, string Name, string BrandName, string ThemeName, bool IsProvider, bool OtpRequired, IReadOnlyList<string> HostNames, int Customers, string Language = "en");

/// <summary>A customer of a reseller, with the capacity of its vDataCenter.</summary>
public sealed record CustomerView(Guid Id, Guid ResellerId, string ResellerName, string Name, bool OtpRequired, DateTimeOffset CreatedAt, CustomerCapacity Capacity, CustomerSuspension? Suspension = null);

/// <summary>
/// A customer is suspended: its running VMs were stopped, and its users may not start, operate, create or open the
/// console of any VM until the suspension is lifted. Its disks, data and sign-in stay; its users still see their VMs
/// and invoices.
/// </summary>
/// <param name="Since">When it was suspended.</param>
/// <param name="By"><see cref="ByBilling"/> when the dunning sequence suspended it for an unpaid invoice, else the staff member's name.</param>
/// <param name="Reason">Why, as the customer's users are told.</param>
public sealed record CustomerSuspension(DateTimeOffset Since, string By, string Reason)
{
    /// <summary>The suspender of a customer suspended for non-payment: paying lifts it.</summary>
    public const string ByBilling = "billing";
}

/// <summary>Whether a customer the caller may see is suspended (null: in good standing).</summary>
public sealed record GetCustomerSuspension(Guid CustomerId) : IQuery<CustomerSuspension?>;

/// <summary>
/// Suspends a customer (its reseller's staff or the operator, and the dunning sequence): from now on its users may not
/// start, operate, create or open the console of any VM. Stopping its VMs is the caller's part. A customer already
/// suspended stays suspended as it was.
/// </summary>
/// <param name="Reason">Why, 1–300 characters, shown to the customer's users.</param>
public sealed record SuspendCustomer(Guid CustomerId, string? Reason) : ICommand<CustomerView>;

/// <summary>Lifts a customer's suspension; with <paramref name="OnlyBilling"/>, only one the dunning sequence made (a payment lifts no suspension staff made).</summary>
public sealed record LiftCustomerSuspension(Guid CustomerId, bool OnlyBilling = false) : ICommand<CustomerView>;

/// <summary>
/// Published in the transaction that suspends a customer or lifts its suspension, for the modules that act on it:
/// Compute powers off the customer's running VMs, and starts them again when the suspension is lifted.
/// </summary>
public sealed record CustomerSuspensionChanged(Guid CustomerId, bool Suspended) : INotification;

/// <summary>A body of <see cref="SuspendCustomer"/>.</summary>
public sealed record SuspendCustomerInput(string? Reason);

/// <summary>
/// What a customer's vDataCenter holds at most: the VMs it creates may together use no more. A null member has no
/// limit (a customer who buys single vServers rather than a vDataCenter).
/// </summary>
/// <param name="Cores">Dedicated cores (one per vCPU).</param>
/// <param name="MemoryGiB">RAM in GiB.</param>
/// <param name="DiskGiB">Disk storage in GiB.</param>
public sealed record CustomerCapacity(int? Cores, int? MemoryGiB, int? DiskGiB)
{
    public static CustomerCapacity Unlimited { get; } = new(null, null, null);
}

/// <summary>Whether a user of this reseller and customer must sign in with a one-time password, and the brand to show.</summary>
public sealed record TenantPolicy(Guid ResellerId, Guid CustomerId, string BrandName, bool OtpRequired);

public sealed record GetTenantPolicy(Guid ResellerId, Guid CustomerId) : IQuery<TenantPolicy>;

/// <summary>Every reseller (operator only).</summary>
public sealed record ListResellers : IQuery<IReadOnlyList<ResellerView>>;

/// <param name="Name">The reseller's company.</param>
/// <param name="BrandName">The brand its portal shows.</param>
/// <param name="HostNames">Host names its portal answers on, e.g. "cloud.example.com" or "kamp.localhost".</param>
/// <param name="OtpRequired">Every user of the reseller must use a one-time password.</param>
public sealed record CreateReseller(string? Name, string? BrandName, IReadOnlyList<string>? HostNames, bool OtpRequired) : ICommand<ResellerView>;

public sealed record SetResellerOtpPolicy(Guid ResellerId, bool OtpRequired) : ICommand<ResellerView>;

/// <summary>The customers the caller may manage: a reseller's own, or all for the operator.</summary>
public sealed record ListCustomers : IQuery<IReadOnlyList<CustomerView>>;

public sealed record GetCustomer(Guid CustomerId) : IQuery<CustomerView>;

/// <summary>A new customer of the caller's reseller.</summary>
/// <param name="Name">The customer's company.</param>
/// <param name="OtpRequired">Every user of the customer must use a one-time password.</param>
/// <param name="Capacity">The capacity of its vDataCenter; null for no limit.</param>
public sealed record CreateCustomer(string? Name, bool OtpRequired, CustomerCapacity? Capacity = null) : ICommand<CustomerView>;

public sealed record SetCustomerOtpPolicy(Guid CustomerId, bool OtpRequired) : ICommand<CustomerView>;

/// <summary>Sets the capacity of a customer's vDataCenter (its reseller's staff or the operator); null removes a limit.</summary>
public sealed record SetCustomerCapacity(Guid CustomerId, int? Cores, int? MemoryGiB, int? DiskGiB) : ICommand<CustomerView>;

/// <summary>
/// Grows or shrinks a customer's vDataCenter by what a plan brings (Billing: a plan ordered or starting, a plan ending);
/// a limit the reseller left open stays open, none goes below zero. The customer's own administrators ordering, its
/// reseller's staff, the operator or the system. Not an endpoint of its own: the amounts come from the contracts.
/// </summary>
public sealed record ChangeContractedCapacity(Guid CustomerId, int Cores, int MemoryGiB, int DiskGiB) : ICommand<CustomerCapacity>;

/// <summary>The capacity of a customer's vDataCenter, for a caller who may see that customer (its own users among them).</summary>
public sealed record GetCustomerCapacity(Guid CustomerId) : IQuery<CustomerCapacity>;

/// <summary>One saved version of the caller's theme, or the editor's draft (no number).</summary>
/// <param name="Source">"editor" or "upload".</param>
/// <param name="Name">The name in its theme.json.</param>
/// <param name="Label">The version in its theme.json.</param>
/// <param name="BaseTheme">The installed theme it is built on.</param>
/// <param name="Sha256">Of the package, as downloaded.</param>
public sealed record ThemeVersionView(
    Guid Id, int? Number, string Source, string Name, string? Label, string BaseTheme, long Size, string Sha256, DateTimeOffset CreatedAt, string CreatedBy, bool Active);

/// <summary>One setting the theme editor offers.</summary>
/// <param name="Kind">text, color, image, link, font, email, phone or links.</param>
public sealed record ThemeSettingView(string Key, string Kind, string Label, string Help, int MaxLength, IReadOnlyList<string>? Choices);

/// <summary>
/// The caller's portal theme: the version in use (none: the installed theme), the one a roll back would return to,
/// every saved version newest first, the draft, the settings of the version in use, what it inherits from its base
/// theme where it sets nothing, and the settings one can set.
/// </summary>
public sealed record ThemeOverview(
    Guid? ActiveVersionId,
    string InstalledTheme,
    bool CanRollBack,
    Guid? RollBackTo,
    IReadOnlyList<ThemeVersionView> Versions,
    ThemeVersionView? Draft,
    IReadOnlyDictionary<string, object> Settings,
    IReadOnlyDictionary<string, object> Inherited,
    IReadOnlyList<ThemeSettingView> Schema,
    string Language,
    IReadOnlyDictionary<string, string> Texts);

/// <summary>Theme settings as the editor sends them: each key of the schema with a string (links: a list of label and url).</summary>
public sealed record ThemeSettingsInput(Dictionary<string, System.Text.Json.JsonElement>? Settings, Guid? From);

public sealed record GetTheme : IQuery<ThemeOverview>;

/// <summary>Saves settings over a version's templates and assets (<see cref="From"/>, else the active one) as a new version, or as the draft.</summary>
public sealed record SaveThemeSettings(IReadOnlyDictionary<string, System.Text.Json.JsonElement>? Settings, Guid? From, bool Draft) : ICommand<ThemeVersionView>;

/// <summary>Checks a theme zip and keeps it as a new version (not yet active).</summary>
public sealed record UploadTheme(byte[] Package) : ICommand<ThemeVersionView>;

public sealed record ActivateThemeVersion(Guid VersionId) : ICommand<ThemeVersionView>;

/// <summary>Returns the portal to the theme it had before the last change.</summary>
public sealed record RollBackTheme : ICommand<ThemeOverview>;

/// <summary>A version's zip, to download.</summary>
public sealed record GetThemePackage(Guid VersionId) : IQuery<ThemePackageFile>;

public sealed record ThemePackageFile(string FileName, byte[] Content);

/// <summary>The language the caller's portal speaks to visitors and to users who chose none (<c>en</c>, <c>de</c>).</summary>
public sealed record SetPortalLanguage(string? Language) : ICommand<ThemeOverview>;

/// <summary>
/// Saves one language's own texts (a JSON object from English text to the portal's wording) over a version's theme
/// (<see cref="From"/>, else the active one) as a new version; empty removes them.
/// </summary>
public sealed record SaveThemeTexts(string? Language, string? Texts, Guid? From) : ICommand<ThemeVersionView>;

/// <summary>A body of <see cref="SetPortalLanguage"/>.</summary>
public sealed record PortalLanguageInput(string? Language);

/// <summary>A body of <see cref="SaveThemeTexts"/>.</summary>
public sealed record ThemeTextsInput(string? Texts, Guid? From);
