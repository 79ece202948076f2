using Mediator;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Features.Login;
using VirtualCore.Modules.Identity.Features.Users;
using VirtualCore.Modules.Identity.Web;

namespace VirtualCore.Modules.Identity.Features.Otp;

/// <summary>
/// The signed-in user changes the password, proving it with the current password and, where enrolled, the current
/// one-time password; its other sessions end. Answers what was wrong (a wrong proof still counts toward the lockout).
/// </summary>
public sealed record ChangePassword(string? CurrentPassword, string? NewPassword, string? CurrentCode = null) : ICommand<IReadOnlyList<FieldError>>;

/// <summary>Changes the signed-in person's password once proved, ending its other sessions.</summary>
internal sealed class ChangePasswordHandler(PortalDbContext db, ITenantContext tenant, IPasswordHasher<UserAccount> hasher, ProofVerifier proof, UserSessions sessions, IHttpContextAccessor http, ISecurityAudit audit) : ICommandHandler<ChangePassword, IReadOnlyList<FieldError>>
{
    public async ValueTask<IReadOnlyList<FieldError>> Handle(ChangePassword command, CancellationToken cancellationToken)
    {
        var user = await SignedInAccount.FindAsync(db, tenant, cancellationToken);
        var errors = await proof.VerifyAsync(user, command.CurrentPassword, command.CurrentCode, cancellationToken);
        if (errors.Count > 0)
        {
            return errors;
        }

        if (UserManagement.PasswordProblem(command.NewPassword) is { } problem)
        {
            return [new FieldError("newPassword", problem)];
        }

        user.PasswordHash = hasher.HashPassword(user, command.NewPassword!);
        await sessions.EndAllAsync(user, UserSessions.CurrentId(http.HttpContext!.User), cancellationToken);
        audit.Record("password.changed", user.UserName, "other sessions ended", user.ResellerId, user.CustomerId);
        return errors;
    }
}
