using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Domain;

namespace VirtualCore.Modules.Tenancy.Features.Resellers;

/// <summary>Requires one-time passwords of every user of a reseller, or not.</summary>
internal sealed class SetResellerOtpPolicyHandler(PortalDbContext db, ISecurityAudit audit) : ICommandHandler<SetResellerOtpPolicy, ResellerView>
{
    public async ValueTask<ResellerView> Handle(SetResellerOtpPolicy command, CancellationToken cancellationToken)
    {
        var reseller = await db.Set<Reseller>().Include(r => r.HostNames).SingleOrDefaultAsync(r => r.Id == command.ResellerId, cancellationToken)
            ?? throw new NotFoundException("The reseller");
        reseller.OtpRequired = command.OtpRequired;
        audit.Record("reseller.otp-policy", reseller.Name, command.OtpRequired ? "one-time passwords required" : "one-time passwords optional", reseller.Id);
        return TenancyViews.Of(reseller, await db.Set<Customer>().CountAsync(c => c.ResellerId == reseller.Id, cancellationToken));
    }
}
