using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Features.Login;

/// <summary>How wrong answers are slowed down and locked out.</summary>
public sealed class LockoutOptions
{
    /// <summary>Wrong passwords or codes for one account from one address before that pair is locked.</summary>
    public int MaxFailedAttempts { get; set; } = 5;

    /// <summary>The first lockout of an (account, address) pair; each further one lasts twice as long.</summary>
    public TimeSpan FirstLockout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest lockout.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Password and code checks one client address may ask for per minute, over all accounts.</summary>
    public int AttemptsPerAddressPerMinute { get; set; } = 60;

    /// <summary>
    /// Wrong answers per account and hour from addresses it never signed in from; past that, such addresses are
    /// refused for the account while its owner's own addresses still get in.
    /// </summary>
    public int UnknownAddressFailuresPerHour { get; set; } = 60;
}

/// <summary>
/// Guards every check of a password or a one-time password (sign-in, HTTP Basic, confirmation, password change):
/// a rate per client address, a lockout per account and address that grows with each repeat, and a budget of wrong
/// answers per account for addresses it has never signed in from. An attacker can slow down only itself: the
/// account's owner keeps signing in from its own address.
/// </summary>
internal sealed class SignInGuard
{
    private readonly LockoutOptions _options;
    private readonly TimeProvider _clock;
    private readonly PartitionedRateLimiter<string> _perAddress;
    private readonly PartitionedRateLimiter<Guid> _unknownAddressFailures;

    public SignInGuard(IOptions<LockoutOptions> options, TimeProvider clock)
    {
        _options = options.Value;
        _clock = clock;
        _perAddress = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = _options.AttemptsPerAddressPerMinute,
            TokensPerPeriod = _options.AttemptsPerAddressPerMinute,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        _unknownAddressFailures = PartitionedRateLimiter.Create<Guid, Guid>(user => RateLimitPartition.GetTokenBucketLimiter(user, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = _options.UnknownAddressFailuresPerHour,
            TokensPerPeriod = Math.Max(1, _options.UnknownAddressFailuresPerHour / 6),
            ReplenishmentPeriod = TimeSpan.FromMinutes(10),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public LockoutOptions Options => _options;

    public static string AddressOf(IHttpContextAccessor http) => http.HttpContext?.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>One more check from this address; false when it asked for too many this minute.</summary>
    public bool TryAttempt(string address)
    {
        using var lease = _perAddress.AttemptAcquire(address);
        return lease.IsAcquired;
    }

    /// <summary>The pair's record (tracked), or a new one not yet added.</summary>
    public static async Task<SignInThrottle?> ThrottleAsync(PortalDbContext db, Guid userId, string address, CancellationToken cancellationToken) =>
        await db.Set<SignInThrottle>().SingleOrDefaultAsync(t => t.UserId == userId && t.IpAddress == address, cancellationToken);

    /// <summary>Whether this address may not try this account now: locked, or over the budget of an unknown address.</summary>
    public bool IsBlocked(Guid userId, SignInThrottle? throttle)
    {
        if (throttle?.LockedUntil > _clock.GetUtcNow())
        {
            return true;
        }

        return throttle?.LastSuccessAt is null && (_unknownAddressFailures.GetStatistics(userId)?.CurrentAvailablePermits ?? 1) <= 0;
    }

    /// <summary>Counts a wrong answer; answers the lockout it caused, if any.</summary>
    public TimeSpan? Fail(PortalDbContext db, Guid userId, string address, SignInThrottle? throttle)
    {
        var now = _clock.GetUtcNow();
        if (throttle is null)
        {
            throttle = new SignInThrottle { UserId = userId, IpAddress = address };
            db.Add(throttle);
        }

        if (throttle.LastSuccessAt is null)
        {
            using var _ = _unknownAddressFailures.AttemptAcquire(userId);
        }

        throttle.LastFailureAt = now;
        if (throttle.LockedUntil > now)
        {
            return null;
        }

        throttle.Failures++;
        if (throttle.Failures < _options.MaxFailedAttempts)
        {
            return null;
        }

        var duration = TimeSpan.FromTicks(Math.Min(
            _options.LockoutDuration.Ticks,
            _options.FirstLockout.Ticks * (1L << Math.Min(throttle.Lockouts, 20))));
        throttle.Lockouts++;
        throttle.Failures = 0;
        throttle.LockedUntil = now + duration;
        return duration;
    }

    /// <summary>A right answer: the pair starts afresh; an interactive sign-in also marks the address as the owner's.</summary>
    public void Succeed(PortalDbContext db, Guid userId, string address, SignInThrottle? throttle, bool interactive)
    {
        if (throttle is null)
        {
            if (interactive)
            {
                db.Add(new SignInThrottle { UserId = userId, IpAddress = address, LastSuccessAt = _clock.GetUtcNow() });
            }

            return;
        }

        // Written only when something changes: a script signing in with Basic writes no row per call.
        if (throttle.Failures > 0 || throttle.Lockouts > 0 || throttle.LockedUntil is not null)
        {
            throttle.Failures = 0;
            throttle.Lockouts = 0;
            throttle.LockedUntil = null;
        }

        if (interactive && (throttle.LastSuccessAt is null || _clock.GetUtcNow() - throttle.LastSuccessAt > TimeSpan.FromHours(1)))
        {
            throttle.LastSuccessAt = _clock.GetUtcNow();
        }
    }
}
