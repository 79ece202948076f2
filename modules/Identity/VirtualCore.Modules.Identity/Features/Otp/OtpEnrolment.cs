using Mediator;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;
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

/// <summary>The recovery codes, and the identity to sign in with when the enrolment was part of signing in.</summary>
public sealed record EnrolmentConfirmed(IReadOnlyList<string> RecoveryCodes, System.Security.Claims.ClaimsPrincipal Principal);

/// <summary>
/// Enrolling a one-time password, half-way through signing in or signed in: a secret waits for its first code, then
/// replaces the old one with ten new recovery codes and ends the other sessions.
/// </summary>
internal sealed class OtpEnrolmentHandler(
    PortalDbContext db,
    ITenantContext tenant,
    ISender sender,
    TotpService totp,
    IDataProtectionProvider protection,
    UserSessions sessions,
    IHttpContextAccessor http,
    ISecurityAudit audit,
    TimeProvider clock) :
    ICommandHandler<BeginOtpEnrolment, OtpEnrolmentView>,
    ICommandHandler<ConfirmOtpEnrolment, EnrolmentConfirmed>,
    ICommandHandler<BeginMyOtpEnrolment, OtpEnrolmentView>,
    ICommandHandler<ConfirmMyOtpEnrolment, EnrolmentConfirmed>
{
    public async ValueTask<OtpEnrolmentView> Handle(BeginOtpEnrolment command, CancellationToken cancellationToken) =>
        await BeginAsync(await PendingAsync(command.UserId, cancellationToken), cancellationToken);

    public async ValueTask<OtpEnrolmentView> Handle(BeginMyOtpEnrolment command, CancellationToken cancellationToken) =>
        await BeginAsync(await SignedInAccount.FindAsync(db, tenant, cancellationToken), cancellationToken);

    public async ValueTask<EnrolmentConfirmed> Handle(ConfirmOtpEnrolment command, CancellationToken cancellationToken) =>
        await ConfirmAsync(await PendingAsync(command.UserId, cancellationToken), command.Code, keepSession: null, cancellationToken);

    public async ValueTask<EnrolmentConfirmed> Handle(ConfirmMyOtpEnrolment command, CancellationToken cancellationToken) =>
        await ConfirmAsync(await SignedInAccount.FindAsync(db, tenant, cancellationToken), command.Code, UserSessions.CurrentId(http.HttpContext!.User), cancellationToken);

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

/// <summary>The signed-in person's own account, with its recovery codes; never another's, never a disabled one.</summary>
internal static class SignedInAccount
{
    public static async Task<UserAccount> FindAsync(PortalDbContext db, ITenantContext tenant, CancellationToken cancellationToken) =>
        await db.Set<UserAccount>().IgnoreQueryFilters().Include(u => u.RecoveryCodes)
            .SingleOrDefaultAsync(u => u.Id == tenant.UserId && u.ResellerId == tenant.ResellerId && !u.Disabled, cancellationToken)
        ?? throw new NotFoundException("The user");
}
