using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Domain;

namespace VirtualCore.Modules.Tenancy.Features;

/// <summary>What a host name is, and its one spelling (trimmed, no trailing dot, lower case).</summary>
internal static partial class TenancyRules
{
    /// <summary>A host name: DNS labels separated by dots, lower-case, at most 253 characters.</summary>
    [GeneratedRegex("^(?=.{1,253}\\z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\\z", RegexOptions.CultureInvariant)]
    public static partial Regex HostName();

    public static string NormaliseHost(string host) => host.Trim().TrimEnd('.').ToLowerInvariant();
}

/// <summary>The bounds of a vDataCenter's capacity: each limit is absent (no limit) or a sensible whole number.</summary>
internal static class CapacityRules
{
    public const int MaxCores = 1024;
    public const int MaxMemoryGiB = 16384;
    public const int MinDiskGiB = 10;
    public const int MaxDiskGiB = 1048576;

    public static IReadOnlyList<FieldError> Check(CustomerCapacity capacity)
    {
        var errors = new List<FieldError>();
        if (capacity.Cores is < 1 or > MaxCores)
        {
            errors.Add(new("cores", $"Give 1 to {MaxCores} dedicated cores, or none for no limit."));
        }

        if (capacity.MemoryGiB is < 1 or > MaxMemoryGiB)
        {
            errors.Add(new("memoryGiB", $"Give 1 to {MaxMemoryGiB} GiB of RAM, or none for no limit."));
        }

        if (capacity.DiskGiB is < MinDiskGiB or > MaxDiskGiB)
        {
            errors.Add(new("diskGiB", $"Give {MinDiskGiB} to {MaxDiskGiB} GiB of disk storage, or none for no limit."));
        }

        return errors;
    }

    public static string Describe(CustomerCapacity capacity) =>
        $"{capacity.Cores?.ToString(CultureInfo.InvariantCulture) ?? "unlimited"} cores, "
        + $"{capacity.MemoryGiB?.ToString(CultureInfo.InvariantCulture) ?? "unlimited"} GiB RAM, "
        + $"{capacity.DiskGiB?.ToString(CultureInfo.InvariantCulture) ?? "unlimited"} GiB disk";
}

/// <summary>Customers are the reseller's: the operator sees all, a reseller its own, a customer itself.</summary>
internal static class TenancyAccess
{
    public static IQueryable<Customer> Customers(PortalDbContext db, ITenantContext tenant) =>
        tenant.IsOperator || tenant.IsSystem ? db.Set<Customer>()
        : tenant.Role == TenantClaims.ResellerAdminRole ? db.Set<Customer>().Where(c => c.ResellerId == tenant.ResellerId)
        : db.Set<Customer>().Where(c => c.Id == tenant.CustomerId && c.ResellerId == tenant.ResellerId);
}

/// <summary>Resellers and customers as the Contracts show them.</summary>
internal static class TenancyViews
{
    public static ResellerView Of(Reseller r, int customers) =>
        new(r.Id, r.Name, r.BrandName, r.ThemeName, r.IsProvider, r.OtpRequired, r.HostNames.Select(h => h.HostName).Order().ToArray(), customers, r.Language);

    public static async Task<CustomerView> OfAsync(PortalDbContext db, Customer customer, CancellationToken cancellationToken)
    {
        var reseller = await db.Set<Reseller>().SingleAsync(r => r.Id == customer.ResellerId, cancellationToken);
        return new CustomerView(
            customer.Id, customer.ResellerId, reseller.Name, customer.Name, customer.OtpRequired, customer.CreatedAt,
            new CustomerCapacity(customer.CoreLimit, customer.MemoryLimitGiB, customer.DiskLimitGiB),
            customer.SuspendedAt is { } since ? new CustomerSuspension(since, customer.SuspendedBy ?? "", customer.SuspensionReason ?? "") : null);
    }
}
