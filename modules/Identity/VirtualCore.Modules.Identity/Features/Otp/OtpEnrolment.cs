using Mediator;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Features.Login;
using VirtualCore.Modules.Identity.Features.Users;
using VirtualCore.Modules.Identity.Otp;
using VirtualCore.Modules.Identity.Web;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Identity.Features.Otp;

/// <summary>What an enrolment shows: the secret (for typing in), the otpauth URI and its QR code.</summary>
public sealed record OtpEnrolmentView(string Secret, string Uri, string QrCodeDataUri, string Issuer, string AccountName);

/// <summary>
/// Starts (or restarts) enrolling a one-time password for a user half-way through signing in (password right,
/// enrolment required); nothing changes until it is confirmed. Signed-in people use <see cref="BeginMyOtpEnrolment"/>.
/// </summary>
public sealed record BeginOtpEnrolment(Guid UserId) : ICommand<OtpEnrolmentView>;

/// <summary>Confirms a sign-in enrolment with a first valid code; answers with ten recovery codes, shown this once.</summary>
public sealed record ConfirmOtpEnrolment(Guid UserId, string? Code) : ICommand<EnrolmentConfirmed>;

/// <summary>The signed-in person sets up (or moves) its one-time password: needs a fresh proof.</summary>
public sealed record BeginMyOtpEnrolment : ICommand<OtpEnrolmentView>, IRequiresFreshProof;

/// <summary>Confirms the signed-in person's new one-time password; its other sessions end. Needs a fresh proof.</summary>
public sealed record ConfirmMyOtpEnrolment(string? Code) : ICommand<EnrolmentConfirmed>, IRequiresFreshProof;

/// <summary>The signed-in person proves who it is again (password, and the current code where enrolled); answers what was wrong.</summary>
public sealed record ConfirmIdentity(string? Password, string? Code) : ICommand<IReadOnlyList<FieldError>>;

/// <summary>The recovery codes, and the identity to sign in with when the enrolment was part of signing in.</summary>
public sealed record EnrolmentConfirmed(IReadOnlyList<string> RecoveryCodes, System.Security.Claims.ClaimsPrincipal Principal);

/// <summary>An admin clears a user's enrolment; the user enrols again at the next sign-in.</summary>
public sealed record ResetOtpEnrolment(Guid UserId) : ICommand<bool>;

/// <summary>
/// The signed-in user changes the password, proving it with the current password and, where enrolled, the current
/// one-time password; its other sessions end. Answers what was wrong (a wrong proof still counts toward the lockout).
/// </summary>
public sealed record ChangePassword(string? CurrentPassword, string? NewPassword, string? CurrentCode = null) : ICommand<IReadOnlyList<FieldError>>;

internal sealed class OtpHandlers(
    PortalDbContext db,
    ITenantContext tenant,
    ISender sender,
    TotpService totp,
    IDataProtectionProvider protection,
    IPasswordHasher<UserAccount> hasher,
    ProofVerifier proof,
    UserSessions sessions,
    IHttpContextAccessor http,
    ISecurityAudit audit,
    TimeProvider clock) :
    ICommandHandler<BeginOtpEnrolment, OtpEnrolmentView>,
    ICommandHandler<ConfirmOtpEnrolment, EnrolmentConfirmed>,
    ICommandHandler<BeginMyOtpEnrolment, OtpEnrolmentView>,
    ICommandHandler<ConfirmMyOtpEnrolment, EnrolmentConfirmed>,
    ICommandHandler<ConfirmIdentity, IReadOnlyList<FieldError>>,
    ICommandHandler<ResetOtpEnrolment, bool>,
    ICommandHandler<ChangePassword, IReadOnlyList<FieldError>>
{
    public async ValueTask<OtpEnrolmentView> Handle(BeginOtpEnrolment command, CancellationToken cancellationToken) =>
        await BeginAsync(await PendingAsync(command.UserId, cancellationToken), cancellationToken);

    public async ValueTask<OtpEnrolmentView> Handle(BeginMyOtpEnrolment command, CancellationToken cancellationToken) =>
        await BeginAsync(await SelfAsync(cancellationToken), cancellationToken);

    public async ValueTask<EnrolmentConfirmed> Handle(ConfirmOtpEnrolment command, CancellationToken cancellationToken) =>
        await ConfirmAsync(await PendingAsync(command.UserId, cancellationToken), command.Code, keepSession: null, cancellationToken);

    public async ValueTask<EnrolmentConfirmed> Handle(ConfirmMyOtpEnrolment command, CancellationToken cancellationToken) =>
        await ConfirmAsync(await SelfAsync(cancellationToken), command.Code, UserSessions.CurrentId(http.HttpContext!.User), cancellationToken);

    public async ValueTask<IReadOnlyList<FieldError>> Handle(ConfirmIdentity command, CancellationToken cancellationToken)
    {
        var user = await SelfAsync(cancellationToken);
        var errors = await proof.VerifyAsync(user, command.Password, command.Code, cancellationToken);
        if (errors.Count == 0)
        {
            audit.Record("proof.confirmed", user.UserName, null, user.ResellerId, user.CustomerId);
        }

        return errors;
    }

    private async Task<OtpEnrolmentView> BeginAsync(UserAccount user, CancellationToken cancellationToken)
    {

        // Reloading the page keeps the QR code the user may have scanned already; a confirmation clears it.
        var protector = Features.Login.Login.Protector(protection);
        var secret = user.PendingOtpSecret is { } pending ? protector.Unprotect(pending) : totp.NewSecret();
        user.PendingOtpSecret = protector.Protect(secret);
        var policy = await sender.Send(new GetTenantPolicy(user.ResellerId, user.CustomerId), cancellationToken);
        var uri = totp.EnrolmentUri(secret, policy.BrandName, user.UserName);
        return new OtpEnrolmentView(secret, uri, totp.QrCodeDataUri(uri), policy.BrandName, user.UserName);
    }

    private async Task<EnrolmentConfirmed> ConfirmAsync(UserAccount user, string? code, Guid? keepSession, CancellationToken cancellationToken)
    {
        if (user.PendingOtpSecret is null)
        {
            throw new RequestValidationException("code", "Start the enrolment again: no QR code is waiting for confirmation.");
        }

        var verification = totp.Verify(Features.Login.Login.Protector(protection).Unprotect(user.PendingOtpSecret), code, null);
        if (!verification.Accepted)
        {
            throw new RequestValidationException("code", verification.Reason == TotpVerificationReason.Malformed
                ? "Enter the 6 digits your authenticator app shows."
                : "That code does not match. Check the time on your phone and enter the current code.");
        }

        user.OtpSecret = user.PendingOtpSecret;
        user.PendingOtpSecret = null;
        user.OtpLastStep = verification.MatchedStep;
        user.OtpEnrolledAt = clock.GetUtcNow();
        user.OtpEnrolmentRequired = false;
        var codes = RecoveryCodes.Generate();
        db.RemoveRange(user.RecoveryCodes);
        db.AddRange(codes.Select(c => new RecoveryCode { Id = Guid.NewGuid(), UserId = user.Id, Hash = RecoveryCodes.Hash(c) }));
        user.LastLoginAt = clock.GetUtcNow();
        await sessions.EndAllAsync(user, keepSession, cancellationToken);
        audit.Record("otp.enrolled", user.UserName, "ten new recovery codes", user.ResellerId, user.CustomerId, actor: user.UserName);
        return new EnrolmentConfirmed(codes, Features.Login.Login.ToPrincipal(user, "password", [Features.Login.Login.ProofClaim(clock)]));
    }

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

    public async ValueTask<IReadOnlyList<FieldError>> Handle(ChangePassword command, CancellationToken cancellationToken)
    {
        var user = await SelfAsync(cancellationToken);
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

    /// <summary>The signed-in person itself.</summary>
    private async Task<UserAccount> SelfAsync(CancellationToken cancellationToken) =>
        await db.Set<UserAccount>().IgnoreQueryFilters().Include(u => u.RecoveryCodes)
            .SingleOrDefaultAsync(u => u.Id == tenant.UserId && u.ResellerId == tenant.ResellerId && !u.Disabled, cancellationToken)
        ?? throw new NotFoundException("The user");

    /// <summary>The user half-way through signing in on this reseller's portal; never a signed-in caller.</summary>
    private async Task<UserAccount> PendingAsync(Guid userId, CancellationToken cancellationToken)
    {
        if (tenant.UserId is not null)
        {
            throw new ForbiddenException("You are signed in: set up your one-time password from your profile.");
        }

        return await db.Set<UserAccount>().IgnoreQueryFilters().Include(u => u.RecoveryCodes)
            .SingleOrDefaultAsync(u => u.Id == userId && u.ResellerId == tenant.ResellerId && !u.Disabled, cancellationToken)
            ?? throw new NotFoundException("The user");
    }
}
