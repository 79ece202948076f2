using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Domain;

namespace VirtualCore.Modules.Tenancy.Features.Customers;

/// <summary>Suspends a customer: its reseller's staff, the operator, or the dunning sequence (the system).</summary>
internal sealed class SuspendCustomerHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit, IPublisher publisher, TimeProvider clock) : ICommandHandler<SuspendCustomer, CustomerView>
{
    public const int MaxReason = 300;

    public async ValueTask<CustomerView> Handle(SuspendCustomer command, CancellationToken cancellationToken)
    {
        // The customer first, so that someone else's customer is not found whatever the body says.
        var customer = await CustomerSuspensions.StaffCustomerAsync(db, tenant, command.CustomerId, cancellationToken);
        var reason = command.Reason?.Trim() ?? "";
        if (reason.Length == 0)
        {
            throw new RequestValidationException("reason", "Say why the customer is suspended; its users are told.");
        }

        if (reason.Length > MaxReason)
        {
            throw new RequestValidationException("reason", $"Keep the reason to {MaxReason} characters.");
        }

        if (reason.Any(char.IsControl))
        {
            throw new RequestValidationException("reason", "Write the reason on one line, without control characters.");
        }

        if (customer.SuspendedAt is null)
        {
            customer.SuspendedAt = clock.GetUtcNow();
            customer.SuspendedBy = tenant.IsSystem ? CustomerSuspension.ByBilling : tenant.UserName;
            customer.SuspensionReason = reason;
            audit.Record("customer.suspended", customer.Name, customer.SuspensionReason, customer.ResellerId, customer.Id);
            await publisher.Publish(new CustomerSuspensionChanged(customer.Id, true), cancellationToken);
        }

        return await TenancyViews.OfAsync(db, customer, cancellationToken);
    }
}

/// <summary>Lifts a customer's suspension: its reseller's staff, the operator, or a payment (the system, or the staff recording it).</summary>
internal sealed class LiftCustomerSuspensionHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit, IPublisher publisher) : ICommandHandler<LiftCustomerSuspension, CustomerView>
{
    public async ValueTask<CustomerView> Handle(LiftCustomerSuspension command, CancellationToken cancellationToken)
    {
        var customer = await CustomerSuspensions.StaffCustomerAsync(db, tenant, command.CustomerId, cancellationToken);
        if (customer.SuspendedAt is not null && (!command.OnlyBilling || customer.SuspendedBy == CustomerSuspension.ByBilling))
        {
            audit.Record("customer.unsuspended", customer.Name, command.OnlyBilling ? "paid" : $"suspended since {customer.SuspendedAt:yyyy-MM-dd HH:mm} UTC by {customer.SuspendedBy}", customer.ResellerId, customer.Id);
            (customer.SuspendedAt, customer.SuspendedBy, customer.SuspensionReason) = (null, null, null);
            await publisher.Publish(new CustomerSuspensionChanged(customer.Id, false), cancellationToken);
        }

        return await TenancyViews.OfAsync(db, customer, cancellationToken);
    }
}

internal static class CustomerSuspensions
{
    /// <summary>The customer, when the caller is its reseller's staff, the operator or the system; a customer's own users are refused.</summary>
    public static async Task<Customer> StaffCustomerAsync(PortalDbContext db, ITenantContext tenant, Guid customerId, CancellationToken cancellationToken)
    {
        var customer = await TenancyAccess.Customers(db, tenant).SingleOrDefaultAsync(c => c.Id == customerId, cancellationToken)
            ?? throw new NotFoundException("The customer");
        if (!tenant.IsOperator && !tenant.IsSystem && tenant.Role != TenantClaims.ResellerAdminRole)
        {
            throw new ForbiddenException("Only the reseller suspends a customer or lifts its suspension.");
        }

        return customer;
    }
}
