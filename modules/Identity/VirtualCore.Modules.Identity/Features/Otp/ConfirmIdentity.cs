using Mediator;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Features.Login;

namespace VirtualCore.Modules.Identity.Features.Otp;

/// <summary>The signed-in person proves who it is again (password, and the current code where enrolled); answers what was wrong.</summary>
public sealed record ConfirmIdentity(string? Password, string? Code) : ICommand<IReadOnlyList<FieldError>>;

/// <summary>Checks the signed-in person's password and current code; a wrong proof counts toward the lockout.</summary>
internal sealed class ConfirmIdentityHandler(PortalDbContext db, ITenantContext tenant, ProofVerifier proof, ISecurityAudit audit) : ICommandHandler<ConfirmIdentity, IReadOnlyList<FieldError>>
{
    public async ValueTask<IReadOnlyList<FieldError>> Handle(ConfirmIdentity command, CancellationToken cancellationToken)
    {
        var user = await SignedInAccount.FindAsync(db, tenant, cancellationToken);
        var errors = await proof.VerifyAsync(user, command.Password, command.Code, cancellationToken);
        if (errors.Count == 0)
        {
            audit.Record("proof.confirmed", user.UserName, null, user.ResellerId, user.CustomerId);
        }

        return errors;
    }
}
