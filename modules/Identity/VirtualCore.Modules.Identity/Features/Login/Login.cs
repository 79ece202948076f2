using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Otp;
using VirtualCore.Modules.Identity.Web;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Identity.Features.Login;

public enum LoginStage
{
    /// <summary>Refused: wrong user, password or code, a locked or disabled account. The message never says which.</summary>
    Refused,
    SignedIn,
    /// <summary>The password was right; a one-time password is needed.</summary>
    NeedsCode,
    /// <summary>The password was right; the user must enrol a one-time password first.</summary>
    NeedsEnrolment,
    /// <summary>Too many attempts from this address in a short time: nothing was checked; try again later.</summary>
    Throttled,
}

public sealed record LoginOutcome(LoginStage Stage, Guid? UserId, ClaimsPrincipal? Principal, string? Message)
{
    public const string Refusal = "The user name, password or code is wrong. After 5 wrong attempts an account is locked for 15 minutes.";

    public const string ThrottledMessage = "Too many attempts from your address. Wait a minute and try again.";

    public static LoginOutcome Refused { get; } = new(LoginStage.Refused, null, null, Refusal);

    public static LoginOutcome Throttled { get; } = new(LoginStage.Throttled, null, null, ThrottledMessage);
}

/// <summary>Signs in on the reseller's portal the request came to: password first, then the one-time password where needed.</summary>
public static class Login
{
    /// <summary>The password step.</summary>
    /// <param name="Interactive">
    /// A person signing in (a session follows), not a script's HTTP Basic call: only interactive sign-ins are audited
    /// one by one and mark the address as the owner's.
    /// </param>
    public sealed record Command(string UserName, string Password, bool Interactive = true) : ICommand<LoginOutcome>;

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
        SignInGuard guard,
        IHttpContextAccessor http,
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

            var address = SignInGuard.AddressOf(http);
            if (!guard.TryAttempt(address))
            {
                return LoginOutcome.Throttled;
            }

            var userName = command.UserName.Trim().ToLowerInvariant();
            var user = await db.Set<UserAccount>().IgnoreQueryFilters()
                .SingleOrDefaultAsync(u => u.ResellerId == resellerId && u.UserName == userName, cancellationToken);
            var throttle = user is null ? null : await SignInGuard.ThrottleAsync(db, user.Id, address, cancellationToken);
            var verdict = hasher.VerifyHashedPassword(user!, user?.PasswordHash ?? UnknownUserHash.Value, command.Password);
            if (user is null)
            {
                audit.Record("login.failed", userName, "unknown user", resellerId, Guid.Empty);
                return LoginOutcome.Refused;
            }

            if (guard.IsBlocked(user.Id, throttle) || user.Disabled || verdict == PasswordVerificationResult.Failed)
            {
                return Fail(user, address, throttle, user.Disabled ? "account disabled" : guard.IsBlocked(user.Id, throttle) ? "locked for this address" : "wrong password");
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

            return Succeed(user, address, throttle, "password", command.Interactive);
        }

        public async ValueTask<LoginOutcome> Handle(SecondFactor command, CancellationToken cancellationToken)
        {
            var address = SignInGuard.AddressOf(http);
            if (!guard.TryAttempt(address))
            {
                return LoginOutcome.Throttled;
            }

            var user = await db.Set<UserAccount>().IgnoreQueryFilters().Include(u => u.RecoveryCodes)
                .SingleOrDefaultAsync(u => u.Id == command.UserId && u.ResellerId == tenant.ResellerId, cancellationToken);
            if (user?.OtpSecret is null)
            {
                return LoginOutcome.Refused;
            }

            var throttle = await SignInGuard.ThrottleAsync(db, user.Id, address, cancellationToken);
            if (guard.IsBlocked(user.Id, throttle) || user.Disabled)
            {
                return Fail(user, address, throttle, user.Disabled ? "account disabled" : "locked for this address");
            }

            var secret = Protector(protection).Unprotect(user.OtpSecret);
            var verification = totp.Verify(secret, command.Code, user.OtpLastStep);
            if (verification.Accepted)
            {
                user.OtpLastStep = verification.MatchedStep;
                return Succeed(user, address, throttle, "password and one-time password", interactive: true);
            }

            // Longer than a TOTP code: perhaps a recovery code. Every unused one is checked, so timing tells nothing more.
            var recovery = command.Code is { Length: > 6 }
                ? user.RecoveryCodes.Where(c => c.UsedAt is null).Aggregate((RecoveryCode?)null, (found, c) => RecoveryCodes.Matches(command.Code, c.Hash) && found is null ? c : found)
                : null;
            if (recovery is not null)
            {
                recovery.UsedAt = clock.GetUtcNow();
                audit.Record("login.recovery-code-used", user.UserName, $"{user.RecoveryCodes.Count(c => c.UsedAt is null)} recovery codes left", user.ResellerId, user.CustomerId, actor: user.UserName);
                return Succeed(user, address, throttle, "password and recovery code", interactive: true);
            }

            return Fail(user, address, throttle, verification.Reason == TotpVerificationReason.Replayed ? "one-time password used twice" : "wrong one-time password");
        }

        private LoginOutcome Fail(UserAccount user, string address, SignInThrottle? throttle, string reason)
        {
            if (guard.Fail(db, user.Id, address, throttle) is { } lockout)
            {
                audit.Record("account.locked", user.UserName, $"for address {address} after {guard.Options.MaxFailedAttempts} wrong attempts, for {lockout.TotalMinutes:0.#} minutes", user.ResellerId, user.CustomerId);
            }

            audit.Record("login.failed", user.UserName, reason, user.ResellerId, user.CustomerId);
            return LoginOutcome.Refused;
        }

        private LoginOutcome Succeed(UserAccount user, string address, SignInThrottle? throttle, string how, bool interactive)
        {
            guard.Succeed(db, user.Id, address, throttle, interactive);
            var now = clock.GetUtcNow();
            if (interactive)
            {
                user.LastLoginAt = now;
                audit.Record("login.succeeded", user.UserName, how, user.ResellerId, user.CustomerId, actor: user.UserName);
            }
            else if (user.LastLoginAt is null || now - user.LastLoginAt > TimeSpan.FromMinutes(15))
            {
                // Scripts: "last sign-in" is kept up to date a few times an hour, not written per call.
                user.LastLoginAt = now;
            }

            return new LoginOutcome(LoginStage.SignedIn, user.Id, ToPrincipal(user, "password", [ProofClaim(clock)]), null);
        }
    }

    /// <summary>A proof of who the person is, given now (a sign-in or confirmation).</summary>
    internal static Claim ProofClaim(TimeProvider clock) =>
        new(SessionClaims.ProofAt, clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));

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
                new Claim(SessionClaims.Stamp, user.SecurityStamp),
                .. extra ?? [],
            ],
            authenticationType);
        return new ClaimsPrincipal(identity);
    }
}
