using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Features.Login;
using VirtualCore.Modules.Identity.Features.Tokens;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>Personal API tokens: `Authorization: Bearer vct_…`. The token's scopes narrow what its user may do.</summary>
internal sealed class ApiTokenAuthenticationHandler(
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
