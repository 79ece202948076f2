using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Tenancy.Features.Customers;

/// <summary>The new capacity of a customer's vDataCenter, within <see cref="CapacityRules"/>.</summary>
internal sealed class SetCustomerCapacityValidator : IValidator<SetCustomerCapacity>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(SetCustomerCapacity request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CapacityRules.Check(new CustomerCapacity(request.Cores, request.MemoryGiB, request.DiskGiB)));
}

/// <summary>Sets the capacity of a customer's vDataCenter: its reseller's staff or the operator only.</summary>
internal sealed class SetCustomerCapacityHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit) : ICommandHandler<SetCustomerCapacity, CustomerView>
{
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
        return await TenancyViews.OfAsync(db, customer, cancellationToken);
    }
}

/// <summary>Grows or shrinks a customer's vDataCenter by a plan (see <see cref="ChangeContractedCapacity"/>).</summary>
internal sealed class ChangeContractedCapacityHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit) : ICommandHandler<ChangeContractedCapacity, CustomerCapacity>
{
    public async ValueTask<CustomerCapacity> Handle(ChangeContractedCapacity command, CancellationToken cancellationToken)
    {
        var customer = await TenancyAccess.Customers(db, tenant).SingleOrDefaultAsync(c => c.Id == command.CustomerId, cancellationToken)
            ?? throw new NotFoundException("The customer");
        var own = tenant.CustomerId == customer.Id && tenant.Role == TenantClaims.CustomerAdminRole;
        if (!own && !tenant.IsOperator && !tenant.IsSystem && tenant.Role != TenantClaims.ResellerAdminRole)
        {
            throw new ForbiddenException("Only your account's administrators order contracts.");
        }

        static int? By(int? limit, int change) => limit is { } l ? Math.Max(0, l + change) : null;
        var capacity = new CustomerCapacity(By(customer.CoreLimit, command.Cores), By(customer.MemoryLimitGiB, command.MemoryGiB), By(customer.DiskLimitGiB, command.DiskGiB));
        if (capacity != new CustomerCapacity(customer.CoreLimit, customer.MemoryLimitGiB, customer.DiskLimitGiB))
        {
            (customer.CoreLimit, customer.MemoryLimitGiB, customer.DiskLimitGiB) = (capacity.Cores, capacity.MemoryGiB, capacity.DiskGiB);
            audit.Record("customer.capacity", customer.Name, $"vDataCenter {CapacityRules.Describe(capacity)}, as contracted", customer.ResellerId, customer.Id);
        }

        return capacity;
    }
}
