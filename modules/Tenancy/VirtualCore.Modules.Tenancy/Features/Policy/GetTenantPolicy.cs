using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Domain;

namespace VirtualCore.Modules.Tenancy.Features.Policy;

/// <summary>Whether a user of the reseller and customer must use a one-time password (either may require it), and the brand.</summary>
internal sealed class GetTenantPolicyHandler(PortalDbContext db) : IQueryHandler<GetTenantPolicy, TenantPolicy>
{
    public async ValueTask<TenantPolicy> Handle(GetTenantPolicy query, CancellationToken cancellationToken)
    {
        var reseller = await db.Set<Reseller>().AsNoTracking().SingleOrDefaultAsync(r => r.Id == query.ResellerId, cancellationToken)
            ?? throw new NotFoundException("The reseller");
        var customerOtp = query.CustomerId != Guid.Empty
            && await db.Set<Customer>().AnyAsync(c => c.Id == query.CustomerId && c.ResellerId == reseller.Id && c.OtpRequired, cancellationToken);
        return new TenantPolicy(reseller.Id, query.CustomerId, reseller.BrandName, reseller.OtpRequired || customerOtp);
    }
}
