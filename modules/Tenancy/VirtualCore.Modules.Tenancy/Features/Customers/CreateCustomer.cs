using Mediator;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Domain;

namespace VirtualCore.Modules.Tenancy.Features.Customers;

/// <summary>A new customer's name and the capacity of its vDataCenter.</summary>
internal sealed class CreateCustomerValidator : IValidator<CreateCustomer>
{
    public const int MaxNameLength = 100;

    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(CreateCustomer request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > MaxNameLength)
        {
            errors.Add(new("name", "Enter the customer's name (at most 100 characters)."));
        }

        errors.AddRange(CapacityRules.Check(request.Capacity ?? CustomerCapacity.Unlimited));
        return ValueTask.FromResult<IReadOnlyList<FieldError>>(errors);
    }
}

/// <summary>Creates a customer of the caller's reseller.</summary>
internal sealed class CreateCustomerHandler(PortalDbContext db, ITenantContext tenant, TimeProvider clock, ISecurityAudit audit) : ICommandHandler<CreateCustomer, CustomerView>
{
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
        return await TenancyViews.OfAsync(db, customer, cancellationToken);
    }
}
