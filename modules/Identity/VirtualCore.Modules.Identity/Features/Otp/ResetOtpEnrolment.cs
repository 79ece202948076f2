using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Features.Users;
using VirtualCore.Modules.Identity.Web;

namespace VirtualCore.Modules.Identity.Features.Otp;

/// <summary>An admin clears a user's enrolment; the user enrols again at the next sign-in.</summary>
public sealed record ResetOtpEnrolment(Guid UserId) : ICommand<bool>;

/// <summary>Clears a user's one-time password and recovery codes and ends its sessions.</summary>
internal sealed class ResetOtpEnrolmentHandler(PortalDbContext db, ITenantContext tenant, UserSessions sessions, ISecurityAudit audit) : ICommandHandler<ResetOtpEnrolment, bool>
{
    public async ValueTask<bool> Handle(ResetOtpEnrolment command, CancellationToken cancellationToken)
    {
        var user = await UserManagement.ManageableUsers(db, tenant).Include(u => u.RecoveryCodes).SingleOrDefaultAsync(u => u.Id == command.UserId, cancellationToken)
            ?? throw new NotFoundException("The user");
        user.OtpSecret = null;
        user.PendingOtpSecret = null;
        user.OtpLastStep = null;
        user.OtpEnrolledAt = null;
        user.OtpEnrolmentRequired = true;
        db.RemoveRange(user.RecoveryCodes);
        await sessions.EndAllAsync(user, keep: null, cancellationToken);
        audit.Record("otp.reset", user.UserName, "must enrol again at the next sign-in", user.ResellerId, user.CustomerId);
        return true;
    }
}
