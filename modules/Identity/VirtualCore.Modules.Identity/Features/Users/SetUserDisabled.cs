using Mediator;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Web;

namespace VirtualCore.Modules.Identity.Features.Users;

public sealed record SetUserDisabled(Guid UserId, bool Disabled) : ICommand<UserView>;

/// <summary>Disables a user, ending every session of it, or enables it again; never the caller itself.</summary>
internal sealed class SetUserDisabledHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit, UserSessions sessions, TimeProvider clock) : ICommandHandler<SetUserDisabled, UserView>
{
    public async ValueTask<UserView> Handle(SetUserDisabled command, CancellationToken cancellationToken)
    {
        var user = await UserManagement.FindAsync(db, tenant, command.UserId, cancellationToken);
        if (user.Id == tenant.UserId)
        {
            throw new ConflictException("You cannot disable your own account.");
        }

        user.Disabled = command.Disabled;
        if (command.Disabled)
        {
            // Every session, cached sign-in and live connection of the user ends within seconds.
            await sessions.EndAllAsync(user, keep: null, cancellationToken);
        }

        audit.Record(command.Disabled ? "user.disabled" : "user.enabled", user.UserName, null, user.ResellerId, user.CustomerId);
        return await UserManagement.ViewAsync(db, user, clock.GetUtcNow(), cancellationToken);
    }
}
