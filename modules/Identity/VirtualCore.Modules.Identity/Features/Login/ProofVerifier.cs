using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Otp;

namespace VirtualCore.Modules.Identity.Features.Login;

/// <summary>
/// Checks a signed-in person's proof — the current password and, where enrolled, the current one-time password —
/// under the same limits as signing in: a wrong answer counts toward the lockout, a code is never accepted twice.
/// Wrong answers are returned, not thrown, so that the count is saved with the request.
/// </summary>
internal sealed class ProofVerifier(
    PortalDbContext db,
    IPasswordHasher<UserAccount> hasher,
    TotpService totp,
    IDataProtectionProvider protection,
    SignInGuard guard,
    IHttpContextAccessor http,
    ISecurityAudit audit)
{
    public const string PasswordField = "currentPassword";
    public const string CodeField = "currentCode";

    public async Task<IReadOnlyList<FieldError>> VerifyAsync(UserAccount user, string? password, string? code, CancellationToken cancellationToken)
    {
        var address = SignInGuard.AddressOf(http);
        if (!guard.TryAttempt(address))
        {
            return [new FieldError(PasswordField, LoginOutcome.ThrottledMessage)];
        }

        var throttle = await SignInGuard.ThrottleAsync(db, user.Id, address, cancellationToken);
        var errors = new List<FieldError>();
        if (guard.IsBlocked(user.Id, throttle))
        {
            errors.Add(new FieldError(PasswordField, LoginOutcome.Refusal));
        }
        else if (string.IsNullOrEmpty(password) || password.Length > 256
            || hasher.VerifyHashedPassword(user, user.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            errors.Add(new FieldError(PasswordField, "The current password is wrong."));
        }

        if (user.OtpSecret is not null && errors.Count == 0)
        {
            var verification = totp.Verify(Login.Protector(protection).Unprotect(user.OtpSecret), code, user.OtpLastStep);
            if (verification.Accepted)
            {
                user.OtpLastStep = verification.MatchedStep;
            }
            else
            {
                errors.Add(new FieldError(CodeField, verification.Reason == TotpVerificationReason.Malformed
                    ? "Enter the 6 digits your authenticator app shows now."
                    : "That code is not the current one, or it was used already."));
            }
        }

        if (errors.Count == 0)
        {
            guard.Succeed(db, user.Id, address, throttle, interactive: false);
            return errors;
        }

        if (guard.Fail(db, user.Id, address, throttle) is { } lockout)
        {
            audit.Record("account.locked", user.UserName, $"for address {address} after {guard.Options.MaxFailedAttempts} wrong attempts, for {lockout.TotalMinutes:0.#} minutes", user.ResellerId, user.CustomerId);
        }

        audit.Record("proof.failed", user.UserName, errors[0].Field == CodeField ? "wrong one-time password" : "wrong password", user.ResellerId, user.CustomerId);
        return errors;
    }
}
