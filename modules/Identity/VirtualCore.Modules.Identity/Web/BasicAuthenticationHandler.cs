using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using Mediator;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Features.Login;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>
/// HTTP Basic for quick use with curl (`curl -u user:password`), on the API only and only for users who sign in with
/// a password alone: whoever has a one-time password uses an API token instead. A script sends the password with
/// every call, so a right answer is remembered for a minute (by a keyed hash of reseller and credentials, never the
/// password): a burst of calls costs one password hash and writes nothing.
/// </summary>
internal sealed class BasicAuthenticationHandler(
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
