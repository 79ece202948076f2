using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Domain;

namespace VirtualCore.Modules.Tenancy.Features.Customers;

/// <summary>The customers the caller may see, by name.</summary>
internal sealed class ListCustomersHandler(PortalDbContext db, ITenantContext tenant) : IQueryHandler<ListCustomers, IReadOnlyList<CustomerView>>
{
    public async ValueTask<IReadOnlyList<CustomerView>> Handle(ListCustomers query, CancellationToken cancellationToken) =>
        await TenancyAccess.Customers(db, tenant).OrderBy(c => c.Name)
            .Join(db.Set<Reseller>(), c => c.ResellerId, r => r.Id, (c, r) => new CustomerView(c.Id, c.ResellerId, r.Name, c.Name, c.OtpRequired, c.CreatedAt, new CustomerCapacity(c.CoreLimit, c.MemoryLimitGiB, c.DiskLimitGiB),
                c.SuspendedAt == null ? null : new CustomerSuspension(c.SuspendedAt.Value, c.SuspendedBy ?? "", c.SuspensionReason ?? "")))
            .ToListAsync(cancellationToken);
}

/// <summary>One customer the caller may see.</summary>
internal sealed class GetCustomerHandler(PortalDbContext db, ITenantContext tenant) : IQueryHandler<GetCustomer, CustomerView>
{
    public async ValueTask<CustomerView> Handle(GetCustomer query, CancellationToken cancellationToken) =>
        await TenancyAccess.Customers(db, tenant).Where(c => c.Id == query.CustomerId)
            .Join(db.Set<Reseller>(), c => c.ResellerId, r => r.Id, (c, r) => new CustomerView(c.Id, c.ResellerId, r.Name, c.Name, c.OtpRequired, c.CreatedAt, new CustomerCapacity(c.CoreLimit, c.MemoryLimitGiB, c.DiskLimitGiB),
                c.SuspendedAt == null ? null : new CustomerSuspension(c.SuspendedAt.Value, c.SuspendedBy ?? "", c.SuspensionReason ?? "")))
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("The customer");
}

/// <summary>The capacity of the vDataCenter of a customer the caller may see.</summary>
internal sealed class GetCustomerCapacityHandler(PortalDbContext db, ITenantContext tenant) : IQueryHandler<GetCustomerCapacity, CustomerCapacity>
{
    public async ValueTask<CustomerCapacity> Handle(GetCustomerCapacity query, CancellationToken cancellationToken) =>
        await TenancyAccess.Customers(db, tenant).Where(c => c.Id == query.CustomerId)
            .Select(c => new CustomerCapacity(c.CoreLimit, c.MemoryLimitGiB, c.DiskLimitGiB))
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("The customer");
}

/// <summary>The suspension of a customer the caller may see (its own users among them), or null.</summary>
internal sealed class GetCustomerSuspensionHandler(PortalDbContext db, ITenantContext tenant) : IQueryHandler<GetCustomerSuspension, CustomerSuspension?>
{
    public async ValueTask<CustomerSuspension?> Handle(GetCustomerSuspension query, CancellationToken cancellationToken)
    {
        var c = await TenancyAccess.Customers(db, tenant).AsNoTracking().Where(c => c.Id == query.CustomerId)
            .Select(c => new { c.SuspendedAt, c.SuspendedBy, c.SuspensionReason }).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("The customer");
        return c.SuspendedAt is { } since ? new CustomerSuspension(since, c.SuspendedBy ?? "", c.SuspensionReason ?? "") : null;
    }
}
