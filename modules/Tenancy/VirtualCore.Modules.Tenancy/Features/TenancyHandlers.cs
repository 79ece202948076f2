using System.Text.RegularExpressions;
using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Domain;

namespace VirtualCore.Modules.Tenancy.Features;

internal static partial class TenancyRules
{
    /// <summary>A host name: DNS labels separated by dots, lower-case, at most 253 characters.</summary>
    [GeneratedRegex("^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    public static partial Regex HostName();

    public static string NormaliseHost(string host) => host.Trim().TrimEnd('.').ToLowerInvariant();
}

internal sealed class HostTenantResolver(PortalDbContext db) : IHostTenantResolver
{
    public async ValueTask<RequestReseller?> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var name = TenancyRules.NormaliseHost(host);
        return await db.Set<ResellerHostName>().AsNoTracking()
            .Where(h => h.HostName == name)
            .Join(db.Set<Reseller>(), h => h.ResellerId, r => r.Id, (_, r) => new RequestReseller(r.Id, r.Name, r.BrandName, r.ThemeName, r.IsProvider))
            .SingleOrDefaultAsync(cancellationToken);
    }
}

internal sealed class TenancyQueries(PortalDbContext db, ITenantContext tenant) :
    IQueryHandler<GetTenantPolicy, TenantPolicy>,
    IQueryHandler<ListResellers, IReadOnlyList<ResellerView>>,
    IQueryHandler<ListCustomers, IReadOnlyList<CustomerView>>,
    IQueryHandler<GetCustomer, CustomerView>,
    IQueryHandler<GetCustomerCapacity, CustomerCapacity>
{
    public async ValueTask<TenantPolicy> Handle(GetTenantPolicy query, CancellationToken cancellationToken)
    {
        var reseller = await db.Set<Reseller>().AsNoTracking().SingleOrDefaultAsync(r => r.Id == query.ResellerId, cancellationToken)
            ?? throw new NotFoundException("The reseller");
        var customerOtp = query.CustomerId != Guid.Empty
            && await db.Set<Customer>().AnyAsync(c => c.Id == query.CustomerId && c.ResellerId == reseller.Id && c.OtpRequired, cancellationToken);
        return new TenantPolicy(reseller.Id, query.CustomerId, reseller.BrandName, reseller.OtpRequired || customerOtp);
    }

    public async ValueTask<IReadOnlyList<ResellerView>> Handle(ListResellers query, CancellationToken cancellationToken)
    {
        var resellers = await db.Set<Reseller>().AsNoTracking().Include(r => r.HostNames).OrderByDescending(r => r.IsProvider).ThenBy(r => r.Name).ToListAsync(cancellationToken);
        var counts = await db.Set<Customer>().GroupBy(c => c.ResellerId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, cancellationToken);
        return resellers.Select(r => View(r, counts.GetValueOrDefault(r.Id))).ToArray();
    }

    public async ValueTask<IReadOnlyList<CustomerView>> Handle(ListCustomers query, CancellationToken cancellationToken) =>
        await Visible().OrderBy(c => c.Name).Join(db.Set<Reseller>(), c => c.ResellerId, r => r.Id, (c, r) => new CustomerView(c.Id, c.ResellerId, r.Name, c.Name, c.OtpRequired, c.CreatedAt, new CustomerCapacity(c.CoreLimit, c.MemoryLimitGiB, c.DiskLimitGiB)))
            .ToListAsync(cancellationToken);

    public async ValueTask<CustomerView> Handle(GetCustomer query, CancellationToken cancellationToken) =>
        await Visible().Where(c => c.Id == query.CustomerId)
            .Join(db.Set<Reseller>(), c => c.ResellerId, r => r.Id, (c, r) => new CustomerView(c.Id, c.ResellerId, r.Name, c.Name, c.OtpRequired, c.CreatedAt, new CustomerCapacity(c.CoreLimit, c.MemoryLimitGiB, c.DiskLimitGiB)))
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("The customer");

    public async ValueTask<CustomerCapacity> Handle(GetCustomerCapacity query, CancellationToken cancellationToken) =>
        await Visible().Where(c => c.Id == query.CustomerId)
            .Select(c => new CustomerCapacity(c.CoreLimit, c.MemoryLimitGiB, c.DiskLimitGiB))
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("The customer");

    /// <summary>Customers are the reseller's: the operator sees all, a reseller its own, a customer itself.</summary>
    private IQueryable<Customer> Visible() => TenancyAccess.Customers(db, tenant);

    internal static ResellerView View(Reseller r, int customers) =>
        new(r.Id, r.Name, r.BrandName, r.ThemeName, r.IsProvider, r.OtpRequired, r.HostNames.Select(h => h.HostName).Order().ToArray(), customers);
}

internal static class TenancyAccess
{
    public static IQueryable<Customer> Customers(PortalDbContext db, ITenantContext tenant) =>
        tenant.IsOperator || tenant.IsSystem ? db.Set<Customer>()
        : tenant.Role == TenantClaims.ResellerAdminRole ? db.Set<Customer>().Where(c => c.ResellerId == tenant.ResellerId)
        : db.Set<Customer>().Where(c => c.Id == tenant.CustomerId && c.ResellerId == tenant.ResellerId);
}

internal sealed class CreateResellerValidator(PortalDbContext db) : IValidator<CreateReseller>
{
    public async ValueTask<IReadOnlyList<FieldError>> ValidateAsync(CreateReseller request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 100)
        {
            errors.Add(new("name", "Enter the reseller's name (at most 100 characters)."));
        }

        if (string.IsNullOrWhiteSpace(request.BrandName) || request.BrandName.Trim().Length > 60)
        {
            errors.Add(new("brandName", "Enter the brand its portal shows (at most 60 characters)."));
        }

        // JSON may carry null entries in the list, whatever its declared element type says.
        var hosts = (request.HostNames ?? []).Select(h => TenancyRules.NormaliseHost(h ?? "")).Where(h => h.Length > 0).ToArray();
        if (hosts.Length is 0 or > 10)
        {
            errors.Add(new("hostNames", "Give one to ten host names the portal answers on."));
        }
        else if (hosts.FirstOrDefault(h => !TenancyRules.HostName().IsMatch(h)) is { } bad)
        {
            errors.Add(new("hostNames", $"'{bad}' is not a valid host name."));
        }
        else if (await db.Set<ResellerHostName>().Where(h => hosts.Contains(h.HostName)).Select(h => h.HostName).FirstOrDefaultAsync(cancellationToken) is { } taken)
        {
            errors.Add(new("hostNames", $"'{taken}' already belongs to a portal."));
        }

        return errors;
    }
}

internal sealed class CreateCustomerValidator : IValidator<CreateCustomer>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(CreateCustomer request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 100)
        {
            errors.Add(new("name", "Enter the customer's name (at most 100 characters)."));
        }

        errors.AddRange(CapacityRules.Check(request.Capacity ?? CustomerCapacity.Unlimited));
        return ValueTask.FromResult<IReadOnlyList<FieldError>>(errors);
    }
}

internal sealed class SetCustomerCapacityValidator : IValidator<SetCustomerCapacity>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(SetCustomerCapacity request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CapacityRules.Check(new CustomerCapacity(request.Cores, request.MemoryGiB, request.DiskGiB)));
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
        $"{capacity.Cores?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited"} cores, "
        + $"{capacity.MemoryGiB?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited"} GiB RAM, "
        + $"{capacity.DiskGiB?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited"} GiB disk";
}

internal sealed class TenancyCommands(PortalDbContext db, ITenantContext tenant, TimeProvider clock, ISecurityAudit audit) :
    ICommandHandler<CreateReseller, ResellerView>,
    ICommandHandler<SetResellerOtpPolicy, ResellerView>,
    ICommandHandler<CreateCustomer, CustomerView>,
    ICommandHandler<SetCustomerOtpPolicy, CustomerView>,
    ICommandHandler<SetCustomerCapacity, CustomerView>
{
    public ValueTask<ResellerView> Handle(CreateReseller command, CancellationToken cancellationToken)
    {
        var reseller = new Reseller
        {
            Id = Guid.NewGuid(),
            Name = command.Name!.Trim(),
            BrandName = command.BrandName!.Trim(),
            OtpRequired = command.OtpRequired,
            CreatedAt = clock.GetUtcNow(),
        };
        reseller.HostNames.AddRange(command.HostNames!.Select(TenancyRules.NormaliseHost).Where(h => h.Length > 0).Distinct()
            .Select(h => new ResellerHostName { HostName = h, ResellerId = reseller.Id }));
        db.Add(reseller);
        audit.Record("reseller.created", reseller.Name, $"host names {string.Join(", ", reseller.HostNames.Select(h => h.HostName))}");
        return ValueTask.FromResult(TenancyQueries.View(reseller, 0));
    }

    public async ValueTask<ResellerView> Handle(SetResellerOtpPolicy command, CancellationToken cancellationToken)
    {
        var reseller = await db.Set<Reseller>().Include(r => r.HostNames).SingleOrDefaultAsync(r => r.Id == command.ResellerId, cancellationToken)
            ?? throw new NotFoundException("The reseller");
        reseller.OtpRequired = command.OtpRequired;
        audit.Record("reseller.otp-policy", reseller.Name, command.OtpRequired ? "one-time passwords required" : "one-time passwords optional", reseller.Id);
        return TenancyQueries.View(reseller, await db.Set<Customer>().CountAsync(c => c.ResellerId == reseller.Id, cancellationToken));
    }

    public async ValueTask<CustomerView> Handle(CreateCustomer command, CancellationToken cancellationToken)
    {
        if (tenant.ResellerId is not { } resellerId)
        {
            throw new ForbiddenException("Customers belong to a reseller.");
        }

        var capacity = command.Capacity ?? CustomerCapacity.Unlimited;
        var customer = new Customer
        {
            Id = Guid.NewGuid(),
            ResellerId = resellerId,
            Name = command.Name!.Trim(),
            OtpRequired = command.OtpRequired,
            CoreLimit = capacity.Cores,
            MemoryLimitGiB = capacity.MemoryGiB,
            DiskLimitGiB = capacity.DiskGiB,
            CreatedAt = clock.GetUtcNow(),
        };
        db.Add(customer);
        audit.Record("customer.created", customer.Name, $"vDataCenter {CapacityRules.Describe(capacity)}", resellerId, customer.Id);
        return await ViewAsync(customer, cancellationToken);
    }

    public async ValueTask<CustomerView> Handle(SetCustomerCapacity command, CancellationToken cancellationToken)
    {
        var customer = await TenancyAccess.Customers(db, tenant).SingleOrDefaultAsync(c => c.Id == command.CustomerId, cancellationToken)
            ?? throw new NotFoundException("The customer");

        // A customer's own users see their customer too, but only its reseller's staff or the operator set its capacity.
        if (!tenant.IsOperator && !tenant.IsSystem && tenant.Role != TenantClaims.ResellerAdminRole)
        {
            throw new ForbiddenException("Only the reseller sets a customer's vDataCenter capacity.");
        }

        customer.CoreLimit = command.Cores;
        customer.MemoryLimitGiB = command.MemoryGiB;
        customer.DiskLimitGiB = command.DiskGiB;
        var capacity = new CustomerCapacity(command.Cores, command.MemoryGiB, command.DiskGiB);
        audit.Record("customer.capacity", customer.Name, $"vDataCenter {CapacityRules.Describe(capacity)}", customer.ResellerId, customer.Id);
        return await ViewAsync(customer, cancellationToken);
    }

    private async Task<CustomerView> ViewAsync(Customer customer, CancellationToken cancellationToken)
    {
        var reseller = await db.Set<Reseller>().SingleAsync(r => r.Id == customer.ResellerId, cancellationToken);
        return new CustomerView(
            customer.Id, customer.ResellerId, reseller.Name, customer.Name, customer.OtpRequired, customer.CreatedAt,
            new CustomerCapacity(customer.CoreLimit, customer.MemoryLimitGiB, customer.DiskLimitGiB));
    }

    public async ValueTask<CustomerView> Handle(SetCustomerOtpPolicy command, CancellationToken cancellationToken)
    {
        var customer = await TenancyAccess.Customers(db, tenant).SingleOrDefaultAsync(c => c.Id == command.CustomerId, cancellationToken)
            ?? throw new NotFoundException("The customer");
        customer.OtpRequired = command.OtpRequired;
        audit.Record("customer.otp-policy", customer.Name, command.OtpRequired ? "one-time passwords required" : "one-time passwords optional", customer.ResellerId, customer.Id);
        return await ViewAsync(customer, cancellationToken);
    }
}
