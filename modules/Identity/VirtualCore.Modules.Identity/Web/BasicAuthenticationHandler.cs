using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using Mediator;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Mediation;
using VirtualCore.Modules.Identity.Features.Login;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>
/// HTTP Basic for scripts (`curl -u user:password`), on the API only. Personal API tokens replace it for
/// automation; it stays for quick use over TLS.
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

        try
        {
            var principal = await sender.Send(new Login.Command(decoded[..colon], decoded[(colon + 1)..]), Context.RequestAborted);
            return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
        }
        catch (RequestValidationException)
        {
            return AuthenticateResult.Fail(Login.Handler.WrongCredentials);
        }
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Basic realm=\"VirtualCore\", charset=\"UTF-8\"";
        return base.HandleChallengeAsync(properties);
    }
}
