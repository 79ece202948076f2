using Mediator;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Otp;
using VirtualCore.Modules.Identity.Features.Users;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Identity.Features.Otp;

/// <summary>What an enrolment shows: the secret (for typing in), the otpauth URI and its QR code.</summary>
public sealed record OtpEnrolmentView(string Secret, string Uri, string QrCodeDataUri, string Issuer, string AccountName);

/// <summary>Starts (or restarts) enrolling a one-time password for the user; nothing changes until it is confirmed.</summary>
public sealed record BeginOtpEnrolment(Guid UserId) : ICommand<OtpEnrolmentView>;

/// <summary>Confirms an enrolment with a first valid code; answers with ten recovery codes, shown this once.</summary>
public sealed record ConfirmOtpEnrolment(Guid UserId, string? Code) : ICommand<EnrolmentConfirmed>;

/// <summary>The recovery codes, and the identity to sign in with when the enrolment was part of signing in.</summary>
public sealed record EnrolmentConfirmed(IReadOnlyList<string> RecoveryCodes, System.Security.Claims.ClaimsPrincipal Principal);

/// <summary>An admin clears a user's enrolment; the user enrols again at the next sign-in.</summary>
public sealed record ResetOtpEnrolment(Guid UserId) : ICommand<bool>;

/// <summary>The signed-in user changes the password.</summary>
public sealed record ChangePassword(string? CurrentPassword, string? NewPassword) : ICommand<bool>;

internal sealed class OtpHandlers(
    PortalDbContext db,
    ITenantContext tenant,
    ISender sender,
    TotpService totp,
    IDataProtectionProvider protection,
    IPasswordHasher<UserAccount> hasher,
    ISecurityAudit audit,
    TimeProvider clock) :
    ICommandHandler<BeginOtpEnrolment, OtpEnrolmentView>,
    ICommandHandler<ConfirmOtpEnrolment, EnrolmentConfirmed>,
    ICommandHandler<ResetOtpEnrolment, bool>,
    ICommandHandler<ChangePassword, bool>
{
    public async ValueTask<OtpEnrolmentView> Handle(BeginOtpEnrolment command, CancellationToken cancellationToken)
    {
        var user = await SelfOrPendingAsync(command.UserId, cancellationToken);

        // Reloading the page keeps the QR code the user may have scanned already; a confirmation clears it.
        var protector = Features.Login.Login.Protector(protection);
        var secret = user.PendingOtpSecret is { } pending ? protector.Unprotect(pending) : totp.NewSecret();
        user.PendingOtpSecret = protector.Protect(secret);
        var policy = await sender.Send(new GetTenantPolicy(user.ResellerId, user.CustomerId), cancellationToken);
        var uri = totp.EnrolmentUri(secret, policy.BrandName, user.UserName);
        return new OtpEnrolmentView(secret, uri, totp.QrCodeDataUri(uri), policy.BrandName, user.UserName);
    }

    public async ValueTask<EnrolmentConfirmed> Handle(ConfirmOtpEnrolment command, CancellationToken cancellationToken)
    {
        var user = await SelfOrPendingAsync(command.UserId, cancellationToken);
        if (user.PendingOtpSecret is null)
        {
            throw new RequestValidationException("code", "Start the enrolment again: no QR code is waiting for confirmation.");
        }

        var verification = totp.Verify(Features.Login.Login.Protector(protection).Unprotect(user.PendingOtpSecret), command.Code, null);
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
        user.FailedAttempts = 0;
        user.LastLoginAt = clock.GetUtcNow();
        audit.Record("otp.enrolled", user.UserName, "ten new recovery codes", user.ResellerId, user.CustomerId, actor: user.UserName);
        return new EnrolmentConfirmed(codes, Features.Login.Login.ToPrincipal(user, "password"));
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
        audit.Record("otp.reset", user.UserName, "must enrol again at the next sign-in", user.ResellerId, user.CustomerId);
        return true;
    }

    public async ValueTask<bool> Handle(ChangePassword command, CancellationToken cancellationToken)
    {
        var user = await db.Set<UserAccount>().SingleOrDefaultAsync(u => u.Id == tenant.UserId, cancellationToken) ?? throw new NotFoundException("The user");
        if (string.IsNullOrEmpty(command.CurrentPassword)
            || hasher.VerifyHashedPassword(user, user.PasswordHash, command.CurrentPassword) == PasswordVerificationResult.Failed)
        {
            throw new RequestValidationException("currentPassword", "The current password is wrong.");
        }

        if (UserManagement.PasswordProblem(command.NewPassword) is { } problem)
        {
            throw new RequestValidationException("newPassword", problem);
        }

        user.PasswordHash = hasher.HashPassword(user, command.NewPassword!);
        audit.Record("password.changed", user.UserName, null, user.ResellerId, user.CustomerId);
        return true;
    }

    /// <summary>The signed-in user itself, or the user half-way through signing in on this reseller's portal.</summary>
    private async Task<UserAccount> SelfOrPendingAsync(Guid userId, CancellationToken cancellationToken)
    {
        if (tenant.UserId is { } self && self != userId)
        {
            throw new NotFoundException("The user");
        }

        return await db.Set<UserAccount>().IgnoreQueryFilters().Include(u => u.RecoveryCodes)
            .SingleOrDefaultAsync(u => u.Id == userId && u.ResellerId == tenant.ResellerId && !u.Disabled, cancellationToken)
            ?? throw new NotFoundException("The user");
    }
}
