using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Features.Users;

/// <summary>Gives a customer user a right on one VM, or on every VM of the account when <paramref name="VmId"/> is null.</summary>
public sealed record GrantAccess(Guid UserId, Guid? VmId, string? Level) : ICommand<GrantView>;

/// <summary>Gives a customer user a level on one VM or the whole account, replacing the grant it had there.</summary>
internal sealed class GrantAccessHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit, TimeProvider clock) : ICommandHandler<GrantAccess, GrantView>
{
    public async ValueTask<GrantView> Handle(GrantAccess command, CancellationToken cancellationToken)
    {
        var user = await UserManagement.FindAsync(db, tenant, command.UserId, cancellationToken);
        if (user.Role != UserRole.CustomerUser)
        {
            throw new RequestValidationException("userId", "Only customer users get grants; admins manage everything of their customer.");
        }

        if (!Enum.TryParse<AccessLevel>(command.Level, ignoreCase: true, out var level) || level == AccessLevel.None || !Enum.IsDefined(level))
        {
            throw new RequestValidationException("level", "Choose view, operate or manage.");
        }

        var vmId = command.VmId ?? Guid.Empty;
        var existing = await db.Set<AccessGrant>().SingleOrDefaultAsync(g => g.UserId == user.Id && g.VmId == vmId, cancellationToken);
        var grant = existing ?? new AccessGrant { Id = Guid.NewGuid(), ResellerId = user.ResellerId, CustomerId = user.CustomerId, UserId = user.Id, VmId = vmId, GrantedBy = tenant.UserName };
        grant.Level = level;
        grant.GrantedBy = tenant.UserName;
        grant.GrantedAt = clock.GetUtcNow();
        if (existing is null)
        {
            db.Add(grant);
        }

        audit.Record("grant.given", user.UserName, $"{level.ToString().ToLowerInvariant()} on {(vmId == Guid.Empty ? "the whole account" : $"VM {vmId}")}", user.ResellerId, user.CustomerId);
        return UserManagement.View(grant);
    }
}
