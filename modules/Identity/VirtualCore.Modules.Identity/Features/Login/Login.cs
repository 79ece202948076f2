using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Otp;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Identity.Features.Login;

/// <summary>How many wrong answers lock an account, and for how long.</summary>
public sealed class LockoutOptions
{
    public int MaxFailedAttempts { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
}

public enum LoginStage
{
    /// <summary>Refused: wrong user, password or code, a locked or disabled account. The message never says which.</summary>
    Refused,
    SignedIn,
    /// <summary>The password was right; a one-time password is needed.</summary>
    NeedsCode,
    /// <summary>The password was right; the user must enrol a one-time password first.</summary>
    NeedsEnrolment,
}

public sealed record LoginOutcome(LoginStage Stage, Guid? UserId, ClaimsPrincipal? Principal, string? Message)
{
    public const string Refusal = "The user name, password or code is wrong. After 5 wrong attempts an account is locked for 15 minutes.";

    public static LoginOutcome Refused { get; } = new(LoginStage.Refused, null, null, Refusal);
}

/// <summary>Signs in on the reseller's portal the request came to: password first, then the one-time password where needed.</summary>
public static class Login
{
    /// <summary>The password step.</summary>
    public sealed record Command(string UserName, string Password) : ICommand<LoginOutcome>;

    /// <summary>The second step: a TOTP code or one of the recovery codes, for the user whose password was right.</summary>
    public sealed record SecondFactor(Guid UserId, string? Code) : ICommand<LoginOutcome>;

    internal sealed class Validator : IValidator<Command>
    {
        public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(Command request, CancellationToken cancellationToken)
        {
            var errors = new List<FieldError>();
            if (string.IsNullOrWhiteSpace(request.UserName))
            {
                errors.Add(new FieldError("userName", "Enter your user name."));
            }
            else if (request.UserName.Length > 64)
            {
                errors.Add(new FieldError("userName", "A user name has at most 64 characters."));
            }

            if (string.IsNullOrEmpty(request.Password))
            {
                errors.Add(new FieldError("password", "Enter your password."));
            }
            else if (request.Password.Length > 256)
            {
                errors.Add(new FieldError("password", "A password has at most 256 characters."));
            }

            return ValueTask.FromResult<IReadOnlyList<FieldError>>(errors);
        }
    }

    /// <summary>Failures are results, not exceptions: the failed-attempt count and the audit entry must be saved.</summary>
    internal sealed class Handler(
        PortalDbContext db,
        IPasswordHasher<UserAccount> hasher,
        ITenantContext tenant,
        ISender sender,
        TotpService totp,
        IDataProtectionProvider protection,
        IOptions<LockoutOptions> lockout,
        ISecurityAudit audit,
        TimeProvider clock) : ICommandHandler<Command, LoginOutcome>, ICommandHandler<SecondFactor, LoginOutcome>
    {
        // Verifying against this when the user does not exist keeps the answer's timing the same either way.
        private static readonly Lazy<string> UnknownUserHash = new(() => new PasswordHasher<UserAccount>().HashPassword(null!, Guid.NewGuid().ToString()));

        public async ValueTask<LoginOutcome> Handle(Command command, CancellationToken cancellationToken)
        {
            if (tenant.ResellerId is not { } resellerId)
            {
                return LoginOutcome.Refused;
            }

            var userName = command.UserName.Trim().ToLowerInvariant();
            var user = await db.Set<UserAccount>().IgnoreQueryFilters()
                .SingleOrDefaultAsync(u => u.ResellerId == resellerId && u.UserName == userName, cancellationToken);
            var verdict = hasher.VerifyHashedPassword(user!, user?.PasswordHash ?? UnknownUserHash.Value, command.Password);
            if (user is null)
            {
                audit.Record("login.failed", userName, "unknown user", resellerId, Guid.Empty);
                return LoginOutcome.Refused;
            }

            if (IsLocked(user) || user.Disabled || verdict == PasswordVerificationResult.Failed)
            {
                return Fail(user, user.Disabled ? "account disabled" : IsLocked(user) ? "account locked" : "wrong password");
            }

            if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
            {
                user.PasswordHash = hasher.HashPassword(user, command.Password);
            }

            var policy = await sender.Send(new GetTenantPolicy(user.ResellerId, user.CustomerId), cancellationToken);
            if (user.OtpSecret is not null)
            {
                return new LoginOutcome(LoginStage.NeedsCode, user.Id, null, null);
            }

            if (policy.OtpRequired || user.OtpEnrolmentRequired)
            {
                return new LoginOutcome(LoginStage.NeedsEnrolment, user.Id, null, null);
            }

            return Succeed(user, "password");
        }

        public async ValueTask<LoginOutcome> Handle(SecondFactor command, CancellationToken cancellationToken)
        {
            var user = await db.Set<UserAccount>().IgnoreQueryFilters().Include(u => u.RecoveryCodes)
                .SingleOrDefaultAsync(u => u.Id == command.UserId && u.ResellerId == tenant.ResellerId, cancellationToken);
            if (user?.OtpSecret is null)
            {
                return LoginOutcome.Refused;
            }

            if (IsLocked(user) || user.Disabled)
            {
                return Fail(user, user.Disabled ? "account disabled" : "account locked");
            }

            var secret = Protector(protection).Unprotect(user.OtpSecret);
            var verification = totp.Verify(secret, command.Code, user.OtpLastStep);
            if (verification.Accepted)
            {
                user.OtpLastStep = verification.MatchedStep;
                return Succeed(user, "password and one-time password");
            }

            // Longer than a TOTP code: perhaps a recovery code. Every unused one is checked, so timing tells nothing more.
            var recovery = command.Code is { Length: > 6 }
                ? user.RecoveryCodes.Where(c => c.UsedAt is null).Aggregate((RecoveryCode?)null, (found, c) => RecoveryCodes.Matches(command.Code, c.Hash) && found is null ? c : found)
                : null;
            if (recovery is not null)
            {
                recovery.UsedAt = clock.GetUtcNow();
                audit.Record("login.recovery-code-used", user.UserName, $"{user.RecoveryCodes.Count(c => c.UsedAt is null)} recovery codes left", user.ResellerId, user.CustomerId, actor: user.UserName);
                return Succeed(user, "password and recovery code");
            }

            return Fail(user, verification.Reason == TotpVerificationReason.Replayed ? "one-time password used twice" : "wrong one-time password");
        }

        private bool IsLocked(UserAccount user) => user.LockedUntil > clock.GetUtcNow();

        private LoginOutcome Fail(UserAccount user, string reason)
        {
            if (!IsLocked(user))
            {
                user.FailedAttempts++;
                if (user.FailedAttempts >= lockout.Value.MaxFailedAttempts)
                {
                    user.LockedUntil = clock.GetUtcNow() + lockout.Value.LockoutDuration;
                    user.FailedAttempts = 0;
                    audit.Record("account.locked", user.UserName, $"after {lockout.Value.MaxFailedAttempts} wrong attempts, for {lockout.Value.LockoutDuration.TotalMinutes:0} minutes", user.ResellerId, user.CustomerId);
                }
            }

            audit.Record("login.failed", user.UserName, reason, user.ResellerId, user.CustomerId);
            return LoginOutcome.Refused;
        }

        private LoginOutcome Succeed(UserAccount user, string how)
        {
            user.FailedAttempts = 0;
            user.LockedUntil = null;
            user.LastLoginAt = clock.GetUtcNow();
            audit.Record("login.succeeded", user.UserName, how, user.ResellerId, user.CustomerId, actor: user.UserName);
            return new LoginOutcome(LoginStage.SignedIn, user.Id, ToPrincipal(user, "password"), null);
        }
    }

    internal static IDataProtector Protector(IDataProtectionProvider provider) => provider.CreateProtector("VirtualCore.Identity.OtpSecret");

    internal static ClaimsPrincipal ToPrincipal(UserAccount user, string authenticationType, IEnumerable<Claim>? extra = null)
    {
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
                new Claim(ClaimTypes.Name, user.UserName),
                new Claim("vcore:display-name", user.DisplayName),
                new Claim(TenantClaims.ResellerId, user.ResellerId.ToString()),
                new Claim(TenantClaims.CustomerId, user.CustomerId.ToString()),
                new Claim(ClaimTypes.Role, user.RoleName),
                .. extra ?? [],
            ],
            authenticationType);
        return new ClaimsPrincipal(identity);
    }
}
