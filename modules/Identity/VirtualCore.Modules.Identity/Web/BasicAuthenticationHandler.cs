using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Mediator;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Features.Login;
using VirtualCore.Modules.Identity.Features.Tokens;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>
/// HTTP Basic for quick use with curl (`curl -u user:password`), on the API only and only for users who sign in with
/// a password alone: whoever has a one-time password uses an API token instead. A script sends the password with
/// every call, so a right answer is remembered for a minute (by a keyed hash of reseller and credentials, never the
/// password): a burst of calls costs one password hash and writes nothing.
/// </summary>
public sealed class BasicAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ISender sender,
    BasicCredentialCache cache,
    ISessionValidator sessions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Basic";

    private const string ThrottledItem = "vcore:basic-throttled";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, SchemeName, StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return AuthenticateResult.NoResult();
        }

        var key = cache.KeyOf(HostTenancy.ResellerOf(Context)?.Id, header.Parameter);
        if (cache.TryGet(key) is { } remembered)
        {
            if (await sessions.IsCurrentAsync(remembered, Context.RequestAborted))
            {
                return AuthenticateResult.Success(new AuthenticationTicket(remembered, SchemeName));
            }

            cache.Remove(key);
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return AuthenticateResult.Fail("The Basic credentials are not valid base64.");
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return AuthenticateResult.Fail("The Basic credentials need 'user:password'.");
        }

        LoginOutcome outcome;
        try
        {
            outcome = await sender.Send(new Login.Command(decoded[..colon], decoded[(colon + 1)..], Interactive: false), Context.RequestAborted);
        }
        catch (RequestValidationException ex)
        {
            return AuthenticateResult.Fail(string.Join(" ", ex.Errors.Select(e => e.Reason)));
        }

        switch (outcome.Stage)
        {
            case LoginStage.SignedIn:
                cache.Set(key, outcome.Principal!);
                return AuthenticateResult.Success(new AuthenticationTicket(outcome.Principal!, SchemeName));
            case LoginStage.Throttled:
                Context.Items[ThrottledItem] = true;
                return AuthenticateResult.Fail(LoginOutcome.ThrottledMessage);
            case LoginStage.Refused:
                return AuthenticateResult.Fail(LoginOutcome.Refusal);
            default:
                return AuthenticateResult.Fail("This account uses a one-time password: use an API token.");
        }
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items.ContainsKey(ThrottledItem))
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = "60";
            return Task.CompletedTask;
        }

        Response.Headers.WWWAuthenticate = "Basic realm=\"VirtualCore\", charset=\"UTF-8\"";
        return base.HandleChallengeAsync(properties);
    }
}

/// <summary>Right Basic credentials of the last minute, by an HMAC of reseller and credentials under a key that never leaves the process.</summary>
public sealed class BasicCredentialCache(TimeProvider clock)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, (ClaimsPrincipal Principal, DateTimeOffset Until)> _entries = new();

    public string KeyOf(Guid? resellerId, string credentials) =>
        Convert.ToHexString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{resellerId:N}\n{credentials}")));

    public ClaimsPrincipal? TryGet(string key) =>
        _entries.TryGetValue(key, out var entry) && entry.Until > clock.GetUtcNow() ? entry.Principal : null;

    public void Set(string key, ClaimsPrincipal principal)
    {
        if (_entries.Count > 10_000)
        {
            _entries.Clear();
        }

        _entries[key] = (principal, clock.GetUtcNow() + Lifetime);
    }

    public void Remove(string key) => _entries.TryRemove(key, out _);
}

/// <summary>Personal API tokens: `Authorization: Bearer vct_…`. The token's scopes narrow what its user may do.</summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    PortalDbContext db,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    public const string ScopeClaim = "vcore:scope";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, SchemeName, StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.Parameter.StartsWith(ApiTokenFormat.Prefix, StringComparison.Ordinal) || header.Parameter.Length > 100)
        {
            return AuthenticateResult.Fail("Not an API token of this portal.");
        }

        var hash = ApiTokenFormat.HashOf(header.Parameter);
        var now = clock.GetUtcNow();
        var token = await db.Set<ApiToken>().IgnoreQueryFilters().SingleOrDefaultAsync(t => t.Hash == hash, Context.RequestAborted);
        if (token is null || token.RevokedAt is not null || token.ExpiresAt <= now)
        {
            return AuthenticateResult.Fail("The API token is unknown, expired or revoked.");
        }

        var user = await db.Set<UserAccount>().IgnoreQueryFilters().SingleOrDefaultAsync(u => u.Id == token.UserId, Context.RequestAborted);
        if (user is null || user.Disabled)
        {
            return AuthenticateResult.Fail("The API token's user is disabled.");
        }

        // Written at most once a minute per token: "last used" is for people, not an access log.
        if (token.LastUsedAt is null || now - token.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            token.LastUsedAt = now;
            await db.SaveChangesAsync(Context.RequestAborted);
        }

        var scopes = token.Scopes.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => new Claim(ScopeClaim, s))
            .Append(new Claim(SessionClaims.TokenId, token.Id.ToString()));
        return AuthenticateResult.Success(new AuthenticationTicket(Login.ToPrincipal(user, "token", scopes), SchemeName));
    }
}
