using Mediator;

namespace VirtualCore.Modules.Tenancy.Contracts;

/// <summary>A reseller and its portal.</summary>
public sealed record ResellerView(Guid Id, string Name, string BrandName, string ThemeName, bool IsProvider, bool OtpRequired, IReadOnlyList<string> HostNames, int Customers);

/// <summary>A customer of a reseller.</summary>
public sealed record CustomerView(Guid Id, Guid ResellerId, string ResellerName, string Name, bool OtpRequired, DateTimeOffset CreatedAt);

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
public sealed record CreateCustomer(string? Name, bool OtpRequired) : ICommand<CustomerView>;

public sealed record SetCustomerOtpPolicy(Guid CustomerId, bool OtpRequired) : ICommand<CustomerView>;
