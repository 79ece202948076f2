using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Tenancy.Features.Customers;

/// <summary>Requires one-time passwords of every user of a customer, or not.</summary>
internal sealed class SetCustomerOtpPolicyHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit) : ICommandHandler<SetCustomerOtpPolicy, CustomerView>
{
    public async ValueTask<CustomerView> Handle(SetCustomerOtpPolicy command, CancellationToken cancellationToken)
    {
        var customer = await TenancyAccess.Customers(db, tenant).SingleOrDefaultAsync(c => c.Id == command.CustomerId, cancellationToken)
            ?? throw new NotFoundException("The customer");
        customer.OtpRequired = command.OtpRequired;
        audit.Record("customer.otp-policy", customer.Name, command.OtpRequired ? "one-time passwords required" : "one-time passwords optional", customer.ResellerId, customer.Id);
        return await TenancyViews.OfAsync(db, customer, cancellationToken);
    }
}
