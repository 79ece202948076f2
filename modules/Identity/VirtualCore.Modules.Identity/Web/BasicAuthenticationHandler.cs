using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Mediator;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Features.Login;
using VirtualCore.Modules.Identity.Features.Tokens;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>
/// HTTP Basic for quick use with curl (`curl -u user:password`), on the API only and only for users who sign in with
/// a password alone: whoever has a one-time password uses an API token instead.
/// </summary>
public sealed class BasicAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ISender sender)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Basic";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, SchemeName, StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return AuthenticateResult.NoResult();
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

        // The password is checked in the portal the request was sent to; this runs before the host tenancy middleware.
        if (await HostTenancy.ResolveAsync(Context) is null)
        {
            return AuthenticateResult.Fail("No portal is configured for this host name.");
        }

        var outcome = await sender.Send(new Login.Command(decoded[..colon], decoded[(colon + 1)..]), Context.RequestAborted);
        return outcome.Stage == LoginStage.SignedIn
            ? AuthenticateResult.Success(new AuthenticationTicket(outcome.Principal!, SchemeName))
            : AuthenticateResult.Fail(outcome.Stage == LoginStage.Refused ? LoginOutcome.Refusal : "This account uses a one-time password: use an API token.");
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Basic realm=\"VirtualCore\", charset=\"UTF-8\"";
        return base.HandleChallengeAsync(properties);
    }
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

        var scopes = token.Scopes.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => new Claim(ScopeClaim, s));
        return AuthenticateResult.Success(new AuthenticationTicket(Login.ToPrincipal(user, "token", scopes), SchemeName));
    }
}
