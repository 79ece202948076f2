using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>Claims that tie a principal to the account's state when it was issued.</summary>
internal static class SessionClaims
{
    /// <summary>The account's security stamp at sign-in.</summary>
    public const string Stamp = "vcore:stamp";

    /// <summary>The browser session (a row in UserSessions).</summary>
    public const string SessionId = "vcore:sid";

    /// <summary>When the person last proved who it is (Unix seconds): sign-in or confirmation.</summary>
    public const string ProofAt = "vcore:proof-at";

    /// <summary>The API token a principal came with.</summary>
    public const string TokenId = ApiScopes.TokenIdClaim;
}

/// <summary>How long a proof counts as fresh, and how long account state may be cached.</summary>
public sealed class SessionPolicy
{
    public TimeSpan FreshProofWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How stale the account state behind a session may be on another portal instance.</summary>
    public TimeSpan StateCacheDuration { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Whether a principal still stands, asked on every request and for every live connection: the account enabled,
/// its role and security stamp unchanged, the browser session not ended, the API token not revoked. Answers are
/// cached for a moment (<see cref="SessionPolicy.StateCacheDuration"/>) and dropped at once when this instance
/// changes the account, so the next request after a change already sees it.
/// </summary>
internal sealed class SessionValidator(IServiceScopeFactory scopes, TimeProvider clock, IOptions<SessionPolicy> options) : ISessionValidator, IUserLanguages
{
    private readonly ConcurrentDictionary<Guid, Cached<AccountState?>> _accounts = new();
    private readonly ConcurrentDictionary<Guid, Cached<bool>> _sessions = new();
    private readonly ConcurrentDictionary<Guid, Cached<DateTimeOffset?>> _tokens = new();

    public async ValueTask<bool> IsCurrentAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(principal.FindFirst(ClaimTypes.NameIdentifier)?.Value, out var userId))
        {
            return false;
        }

        var account = await ReadAccountAsync(userId, cancellationToken);
        if (account is null || account.Disabled || principal.FindFirst(ClaimTypes.Role)?.Value != UserAccount.RoleNameOf(account.Role))
        {
            return false;
        }

        if (Guid.TryParse(principal.FindFirst(SessionClaims.TokenId)?.Value, out var tokenId))
        {
            var until = await ReadAsync(_tokens, tokenId, (db, ct) => db.Set<ApiToken>().IgnoreQueryFilters()
                .Where(t => t.Id == tokenId && t.UserId == userId && t.RevokedAt == null).Select(t => (DateTimeOffset?)t.ExpiresAt).SingleOrDefaultAsync(ct), cancellationToken);
            return until > clock.GetUtcNow();
        }

        if (principal.FindFirst(SessionClaims.Stamp)?.Value != account.SecurityStamp)
        {
            return false;
        }

        return !Guid.TryParse(principal.FindFirst(SessionClaims.SessionId)?.Value, out var sessionId)
            || await ReadAsync(_sessions, sessionId, (db, ct) => db.Set<UserSession>().AnyAsync(s => s.Id == sessionId && s.UserId == userId && s.EndedAt == null, ct), cancellationToken);
    }

    /// <summary>Drops what is cached about the account alone (its standing and language); sessions and tokens stay.</summary>
    public void ForgetAccount(Guid userId) => _accounts.TryRemove(userId, out _);

    /// <summary>Drops what is cached about the account, its sessions and tokens: they changed.</summary>
    public void Forget(Guid userId)
    {
        _accounts.TryRemove(userId, out _);
        _sessions.Clear();
        _tokens.Clear();
    }

    private async ValueTask<T> ReadAsync<T>(ConcurrentDictionary<Guid, Cached<T>> cache, Guid key, Func<PortalDbContext, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (cache.TryGetValue(key, out var cached) && now - cached.ReadAt < options.Value.StateCacheDuration)
        {
            return cached.Value;
        }

        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ScopedTenantContext>().Use(SystemTenantContext.Instance);
        var value = await read(scope.ServiceProvider.GetRequiredService<PortalDbContext>(), cancellationToken);
        if (cache.Count > 100_000)
        {
            cache.Clear();
        }

        cache[key] = new Cached<T>(value, now);
        return value;
    }

    /// <summary>The language the user chose, read with (and cached as) the rest of the account's standing.</summary>
    public async ValueTask<string?> LanguageOfAsync(Guid userId, CancellationToken cancellationToken) =>
        (await ReadAccountAsync(userId, cancellationToken))?.Language;

    private ValueTask<AccountState?> ReadAccountAsync(Guid userId, CancellationToken cancellationToken) =>
        ReadAsync(_accounts, userId, (db, ct) => db.Set<UserAccount>().IgnoreQueryFilters().Where(u => u.Id == userId)
            .Select(u => new AccountState(u.Disabled, u.SecurityStamp, u.Role, u.Language)).SingleOrDefaultAsync(ct), cancellationToken);

    private sealed record AccountState(bool Disabled, string SecurityStamp, UserRole Role, string? Language);

    private sealed record Cached<T>(T Value, DateTimeOffset ReadAt);
}

/// <summary>Browser sessions: started with a row at sign-in, ended one by one at sign-out or all together when the account changes.</summary>
internal sealed class UserSessions(PortalDbContext db, SessionValidator validator, AfterCommitActions afterCommit, TimeProvider clock)
{
    /// <summary>Signs the principal in with the session cookie, as a new session.</summary>
    public async Task SignInAsync(HttpContext http, ClaimsPrincipal principal)
    {
        var userId = Guid.Parse(principal.FindFirst(ClaimTypes.NameIdentifier)!.Value);
        var session = new UserSession { Id = Guid.NewGuid(), UserId = userId, StartedAt = clock.GetUtcNow(), IpAddress = http.Connection.RemoteIpAddress?.ToString() };
        db.Add(session);
        await db.SaveChangesAsync(http.RequestAborted);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, With(principal, (SessionClaims.SessionId, session.Id.ToString())));
    }

    /// <summary>Signs out of this session only; the row is ended, so a copy of the cookie stops working too.</summary>
    public async Task SignOutAsync(HttpContext http)
    {
        if (Guid.TryParse(http.User.FindFirst(SessionClaims.SessionId)?.Value, out var sessionId)
            && Guid.TryParse(http.User.FindFirst(ClaimTypes.NameIdentifier)?.Value, out var userId))
        {
            await db.Set<UserSession>().Where(s => s.Id == sessionId && s.EndedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, clock.GetUtcNow()), http.RequestAborted);
            validator.Forget(userId);
        }

        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    /// <summary>
    /// Ends every session of the account but <paramref name="keep"/> and retires every cached sign-in: its
    /// credentials or standing changed. Runs in the caller's transaction.
    /// </summary>
    public async Task EndAllAsync(UserAccount user, Guid? keep, CancellationToken cancellationToken)
    {
        user.SecurityStamp = UserAccount.NewSecurityStamp();
        await db.Set<UserSession>().Where(s => s.UserId == user.Id && s.EndedAt == null && s.Id != keep)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, clock.GetUtcNow()), cancellationToken);
        afterCommit.Add(_ =>
        {
            validator.Forget(user.Id);
            return Task.CompletedTask;
        });
    }

    /// <summary>The current session's id, to keep it when the person changes its own credentials.</summary>
    public static Guid? CurrentId(ClaimsPrincipal user) => Guid.TryParse(user.FindFirst(SessionClaims.SessionId)?.Value, out var id) ? id : null;

    /// <summary>
    /// Re-issues the session cookie with the account's present stamp and role (after the person changed its own
    /// credentials) and, when <paramref name="proved"/>, a fresh proof.
    /// </summary>
    public async Task RenewAsync(HttpContext http, bool proved)
    {
        var userId = Guid.Parse(http.User.FindFirst(ClaimTypes.NameIdentifier)!.Value);
        var user = await db.Set<UserAccount>().IgnoreQueryFilters().AsNoTracking().SingleAsync(u => u.Id == userId, http.RequestAborted);
        var replaced = new List<(string, string)> { (SessionClaims.Stamp, user.SecurityStamp) };
        if (proved)
        {
            replaced.Add((SessionClaims.ProofAt, clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        }

        var principal = With(http.User, [.. replaced]);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        http.User = principal;
    }

    private static ClaimsPrincipal With(ClaimsPrincipal principal, params (string Type, string Value)[] claims)
    {
        var identity = (ClaimsIdentity)principal.Identity!;
        var kept = identity.Claims.Where(c => claims.All(n => n.Type != c.Type)).Select(c => new Claim(c.Type, c.Value));
        return new ClaimsPrincipal(new ClaimsIdentity(kept.Concat(claims.Select(c => new Claim(c.Type, c.Value))), identity.AuthenticationType));
    }
}

/// <summary>The caller proved who it is within <see cref="SessionPolicy.FreshProofWindow"/>; API tokens never have.</summary>
internal sealed class FreshProof(IHttpContextAccessor http, TimeProvider clock, IOptions<SessionPolicy> options) : IFreshProof
{
    public bool IsFresh
    {
        get
        {
            var user = http.HttpContext?.User;
            return user?.Identity?.AuthenticationType != "token"
                && long.TryParse(user?.FindFirst(SessionClaims.ProofAt)?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var at)
                && clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(at) <= options.Value.FreshProofWindow;
        }
    }
}
