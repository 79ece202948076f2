using System.Security.Cryptography;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Identity.Features.Otp;
using VirtualCore.Modules.Identity.Features.Tokens;
using VirtualCore.Modules.Identity.Features.Users;

namespace VirtualCore.Modules.Identity.Web.Pages;

/// <summary>One's own profile (/profile): the account, changing the password, and one's API tokens.</summary>
internal static class ProfilePage
{
    private const string NewTokenCookie = "vcore.new-token";

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/profile", (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant, IDataProtectionProvider protection, string? done) =>
            RenderAsync(http, renderer, sender, new State { Notice = IdentityPages.Notice(done), NewToken = TakeNewToken(http, protection, tenant) }, StatusCodes.Status200OK));

        pages.MapPost("/profile/password", async (HttpContext http, IPageRenderer renderer, ISender sender, UserSessions sessions) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var errors = await sender.Send(
                new ChangePassword(form["currentPassword"].ToString(), form["newPassword"].ToString(), form["currentCode"].ToString()), http.RequestAborted);
            if (errors.Count > 0)
            {
                return await RenderAsync(http, renderer, sender, new State { PasswordErrors = errors }, StatusCodes.Status400BadRequest);
            }

            // The other sessions ended with the change; this one goes on with the new stamp.
            await sessions.RenewAsync(http, proved: true);
            return Results.Redirect("/profile?done=password");
        }).AddEndpointFilter<AntiforgeryFilter>();

        pages.MapPost("/profile/tokens", async (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant, IDataProtectionProvider protection) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var scopes = form["scopes"].Select(s => s ?? "").Where(s => s.Length > 0).Distinct().ToArray();
            var input = new TokenForm(form["name"].ToString().Trim(), scopes, form["expiresInDays"].ToString().Trim());
            try
            {
                var created = await sender.Send(new CreateApiToken(input.Name, scopes, PageForms.Int(input.ExpiresInDays)), http.RequestAborted);

                // Post, redirect, get: the token rides to the next page in a short-lived, encrypted cookie read once.
                http.Response.Cookies.Append(NewTokenCookie, TokenProtector(protection, tenant).Protect(created.Token, TimeSpan.FromMinutes(5)), new CookieOptions
                {
                    Path = "/profile",
                    HttpOnly = true,
                    Secure = http.Request.IsHttps,
                    SameSite = SameSiteMode.Strict,
                    IsEssential = true,
                    MaxAge = TimeSpan.FromMinutes(5),
                });
                return Results.Redirect("/profile");
            }
            catch (RequestValidationException ex)
            {
                return await RenderAsync(http, renderer, sender, new State { TokenInput = input, TokenErrors = ex.Errors }, StatusCodes.Status400BadRequest);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();

        pages.MapPost("/profile/tokens/{tokenId:guid}/revoke", async (Guid tokenId, HttpContext http, ISender sender) =>
        {
            await sender.Send(new RevokeApiToken(tokenId), http.RequestAborted);
            return Results.Redirect("/profile?done=token-revoked");
        }).AddEndpointFilter<AntiforgeryFilter>();
    }

    private static async Task<IResult> RenderAsync(HttpContext http, IPageRenderer renderer, ISender sender, State state, int status)
    {
        var account = await sender.Send(new GetMyAccount(), http.RequestAborted);
        var tokens = await sender.Send(new ListApiTokens(), http.RequestAborted);
        var input = state.TokenInput ?? new TokenForm("", ["read"], "90");
        if (state.NewToken is not null)
        {
            IdentityPages.NoStore(http);
        }

        var model = new ProfilePageModel(
            new ProfileAccount(
                account.UserName,
                account.DisplayName,
                IdentityPages.RoleLabel(account.Role),
                account.OtpEnrolled,
                PageFormat.Day(account.CreatedAt),
                PageFormat.Timestamp(account.LastLoginAt)),
            state.Notice,
            state.NewToken,
            tokens.Select(t => new ProfileToken(
                t.Id.ToString(),
                t.Name,
                t.Prefix,
                string.Join(", ", t.Scopes),
                PageFormat.Day(t.CreatedAt),
                PageFormat.Day(t.ExpiresAt),
                PageFormat.Timestamp(t.LastUsedAt),
                t.Status,
                t.Status == "active")).ToArray(),
            state.PasswordErrors.Count > 0,
            PageForms.ErrorsByField(state.PasswordErrors),
            state.TokenErrors.Count > 0,
            PageForms.ErrorsByField(state.TokenErrors),
            new TokenInput(input.Name, input.Scopes.Contains("read"), input.Scopes.Contains("operate"), input.Scopes.Contains("manage"), input.ExpiresInDays));
        return await renderer.RenderAsync(http, "Identity/Profile.sbn-html", "Profile", model, status);
    }

    private static ITimeLimitedDataProtector TokenProtector(IDataProtectionProvider protection, ITenantContext tenant) =>
        protection.CreateProtector("VirtualCore.Identity.NewApiToken", tenant.UserId?.ToString() ?? "").ToTimeLimitedDataProtector();

    /// <summary>The token just created by this user, if any; the cookie is cleared so it shows only once.</summary>
    private static string? TakeNewToken(HttpContext http, IDataProtectionProvider protection, ITenantContext tenant)
    {
        if (!http.Request.Cookies.TryGetValue(NewTokenCookie, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        http.Response.Cookies.Delete(NewTokenCookie, new CookieOptions { Path = "/profile", HttpOnly = true, Secure = http.Request.IsHttps, SameSite = SameSiteMode.Strict });
        try
        {
            return TokenProtector(protection, tenant).Unprotect(value);
        }
        catch (CryptographicException)
        {
            // Expired, tampered with, or another user's: show nothing.
            return null;
        }
    }

    /// <summary>What the page shows besides the account: a notice, the new token, or the form that failed.</summary>
    private sealed record State
    {
        public string? Notice { get; init; }

        public string? NewToken { get; init; }

        public TokenForm? TokenInput { get; init; }

        public IReadOnlyList<FieldError> TokenErrors { get; init; } = [];

        public IReadOnlyList<FieldError> PasswordErrors { get; init; } = [];
    }

    /// <summary>The new-token form as posted.</summary>
    private sealed record TokenForm(string Name, IReadOnlyList<string> Scopes, string ExpiresInDays);
}

/// <summary>What Identity/Profile.sbn-html shows: one's account, password form and API tokens.</summary>
/// <param name="Account">The signed-in user's account.</param>
/// <param name="Notice">A confirmation of what was just done, or null.</param>
/// <param name="NewToken">The API token just created, shown this once; null otherwise.</param>
/// <param name="Tokens">One's API tokens, newest first.</param>
/// <param name="PasswordFailed">True when the password change was refused.</param>
/// <param name="PasswordErrors">The password form's problems, by field name.</param>
/// <param name="TokenFailed">True when creating a token was refused.</param>
/// <param name="TokenErrors">The token form's problems, by field name.</param>
/// <param name="TokenInput">The token form's values.</param>
public sealed record ProfilePageModel(
    ProfileAccount Account,
    string? Notice,
    string? NewToken,
    IReadOnlyList<ProfileToken> Tokens,
    bool PasswordFailed,
    IReadOnlyDictionary<string, string> PasswordErrors,
    bool TokenFailed,
    IReadOnlyDictionary<string, string> TokenErrors,
    TokenInput TokenInput);

/// <summary>The signed-in user's account as the profile shows it.</summary>
/// <param name="UserName">The sign-in name.</param>
/// <param name="DisplayName">How the user is shown.</param>
/// <param name="Role">The role's label, e.g. "Customer admin".</param>
/// <param name="OtpEnrolled">True when the user signs in with a one-time password.</param>
/// <param name="Since">The day the account was created (UTC).</param>
/// <param name="LastLogin">The last sign-in (UTC, ISO 8601); empty when never.</param>
public sealed record ProfileAccount(string UserName, string DisplayName, string Role, bool OtpEnrolled, string Since, string LastLogin);

/// <summary>One of one's API tokens (never the token itself).</summary>
/// <param name="Id">The token's id, for its revoke form.</param>
/// <param name="Name">What the token is for.</param>
/// <param name="Prefix">The token's first characters, to recognise it.</param>
/// <param name="Scopes">Its scopes, comma-separated.</param>
/// <param name="Created">The day it was created (UTC).</param>
/// <param name="Expires">The day it expires (UTC).</param>
/// <param name="LastUsed">When it was last used (UTC, ISO 8601); empty when never.</param>
/// <param name="Status">"active", "expired" or "revoked".</param>
/// <param name="Active">True when it still works and can be revoked.</param>
public sealed record ProfileToken(string Id, string Name, string Prefix, string Scopes, string Created, string Expires, string LastUsed, string Status, bool Active);

/// <summary>The new-token form's values.</summary>
/// <param name="Name">What the token is for.</param>
/// <param name="Read">The read scope is ticked.</param>
/// <param name="Operate">The operate scope is ticked.</param>
/// <param name="Manage">The manage scope is ticked.</param>
/// <param name="ExpiresInDays">Its lifetime in days, as typed.</param>
public sealed record TokenInput(string Name, bool Read, bool Operate, bool Manage, string ExpiresInDays);
