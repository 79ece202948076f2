using System.Globalization;
using System.Security.Cryptography;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Identity.Features.Audit;
using VirtualCore.Modules.Identity.Features.Otp;
using VirtualCore.Modules.Identity.Features.Tokens;
using VirtualCore.Modules.Identity.Features.Users;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>The themed pages: one's own profile (password, one-time password, API tokens), user administration with grants, the audit log.</summary>
internal static class IdentityPages
{
    private const string NewTokenCookie = "vcore.new-token";
    private const int AuditLimit = 200;

    /// <summary>Short confirmations after a redirect; the query names one, so no text from the URL reaches the page.</summary>
    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["password"] = "Your password was changed.",
        ["token-revoked"] = "The token was revoked. It no longer works.",
        ["created"] = "The user was created and can sign in now.",
        ["disabled"] = "The user is disabled: no sign-in, no API token works.",
        ["enabled"] = "The user can sign in again.",
        ["otp-reset"] = "The one-time password was reset. The user sets up a new one at the next sign-in.",
        ["granted"] = "Access granted.",
        ["revoked"] = "Access revoked.",
    };

    private static readonly string[] GrantLevels = ["view", "operate", "manage"];

    private static readonly string[] AuditActions = ["login", "user", "grant", "token", "otp", "password"];

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").RequireAuthorization().ExcludeFromDescription();
        MapProfile(pages);
        MapUsers(pages);

        pages.MapGet("/admin/audit", async (HttpContext http, IPageRenderer renderer, ISender sender, string? actor, string? action, string? from, string? to) =>
        {
            var filter = new AuditFilter(actor?.Trim() ?? "", action?.Trim() ?? "", from?.Trim() ?? "", to?.Trim() ?? "");
            var errors = new List<FieldError>();
            var fromDate = ParseDate(filter.From, "from", errors);
            var toDate = ParseDate(filter.To, "to", errors);
            IReadOnlyList<AuditEntryView> entries = [];
            if (errors.Count == 0)
            {
                try
                {
                    // Whole days in UTC: "to" includes the entire day it names.
                    entries = await sender.Send(
                        new ListAuditEntries(
                            Blank(filter.Actor),
                            Blank(filter.Action),
                            fromDate is { } f ? new DateTimeOffset(f.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
                            toDate is { } t ? new DateTimeOffset(t.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddTicks(-1) : null,
                            AuditLimit),
                        http.RequestAborted);
                }
                catch (RequestValidationException ex)
                {
                    errors.AddRange(ex.Errors);
                }
            }

            return await renderer.RenderAsync(http, "Identity/Audit.sbn-html", "Audit log", new
            {
                Filter = filter,
                Actions = AuditActions,
                Entries = entries.Select(e => new
                {
                    At = Timestamp(e.At),
                    AtIso = e.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                    e.Actor,
                    e.Action,
                    e.Target,
                    Detail = e.Detail ?? "",
                    Address = e.IpAddress ?? "",
                }).ToArray(),
                Filtered = filter.Actor.Length + filter.Action.Length + filter.From.Length + filter.To.Length > 0,
                Limited = entries.Count >= AuditLimit,
                Limit = AuditLimit,
                HasErrors = errors.Count > 0,
                Errors = ErrorsByField(errors),
                ErrorList = errors.Select(e => e.Reason).Distinct().ToArray(),
            }, errors.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
        });
    }

    private static void MapProfile(RouteGroupBuilder pages)
    {
        pages.MapGet("/profile", (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant, IDataProtectionProvider protection, string? done) =>
            ProfilePageAsync(http, renderer, sender, new ProfileState { Notice = Notice(done), NewToken = TakeNewToken(http, protection, tenant) }, StatusCodes.Status200OK));

        pages.MapPost("/profile/password", async (HttpContext http, IPageRenderer renderer, ISender sender, UserSessions sessions) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var errors = await sender.Send(
                new ChangePassword(form["currentPassword"].ToString(), form["newPassword"].ToString(), form["currentCode"].ToString()), http.RequestAborted);
            if (errors.Count > 0)
            {
                return await ProfilePageAsync(http, renderer, sender, new ProfileState { PasswordErrors = errors }, StatusCodes.Status400BadRequest);
            }

            // The other sessions ended with the change; this one goes on with the new stamp.
            await sessions.RenewAsync(http, proved: true);
            return Results.Redirect("/profile?done=password");
        }).AddEndpointFilter<AntiforgeryFilter>();

        pages.MapGet("/profile/confirm", async (HttpContext http, IPageRenderer renderer, ISender sender, string? returnUrl) =>
            await ConfirmPageAsync(http, renderer, sender, LoginEndpoints.SafeReturnUrl(returnUrl), [], StatusCodes.Status200OK));

        pages.MapPost("/profile/confirm", async (HttpContext http, IPageRenderer renderer, ISender sender, UserSessions sessions) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var returnUrl = LoginEndpoints.SafeReturnUrl(form["returnUrl"].ToString());
            var errors = await sender.Send(new ConfirmIdentity(form["password"].ToString(), form["code"].ToString()), http.RequestAborted);
            if (errors.Count > 0)
            {
                return await ConfirmPageAsync(http, renderer, sender, returnUrl, errors, StatusCodes.Status400BadRequest);
            }

            await sessions.RenewAsync(http, proved: true);
            return Results.Redirect(returnUrl);
        }).AddEndpointFilter<AntiforgeryFilter>().RequireRateLimiting(SignInRateLimit.Policy);

        pages.MapPost("/profile/tokens", async (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant, IDataProtectionProvider protection) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var scopes = form["scopes"].Select(s => s ?? "").Where(s => s.Length > 0).Distinct().ToArray();
            var input = new TokenForm(form["name"].ToString().Trim(), scopes, form["expiresInDays"].ToString().Trim());
            try
            {
                var created = await sender.Send(new CreateApiToken(input.Name, scopes, Int(input.ExpiresInDays)), http.RequestAborted);

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
                return await ProfilePageAsync(http, renderer, sender, new ProfileState { TokenInput = input, TokenErrors = ex.Errors }, StatusCodes.Status400BadRequest);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();

        pages.MapPost("/profile/tokens/{tokenId:guid}/revoke", async (Guid tokenId, HttpContext http, ISender sender) =>
        {
            await sender.Send(new RevokeApiToken(tokenId), http.RequestAborted);
            return Results.Redirect("/profile?done=token-revoked");
        }).AddEndpointFilter<AntiforgeryFilter>();

        pages.MapGet("/profile/otp", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var enrolment = await sender.Send(new BeginMyOtpEnrolment(), http.RequestAborted);
            NoStore(http);
            return await renderer.RenderAsync(http, "Identity/Enrol.sbn-html", "Set up your one-time password", EnrolPage.Of(enrolment, "/profile/otp", null));
        });

        pages.MapPost("/profile/otp", async (HttpContext http, IPageRenderer renderer, ISender sender, UserSessions sessions) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            NoStore(http);
            try
            {
                var confirmed = await sender.Send(new ConfirmMyOtpEnrolment(form["code"].ToString()), http.RequestAborted);
                await sessions.RenewAsync(http, proved: true);

                // Shown once and never stored in clear text, so this page cannot be a redirect target.
                return await renderer.RenderAsync(http, "Identity/RecoveryCodes.sbn-html", "Your recovery codes", new RecoveryPage(confirmed.RecoveryCodes, "/profile"));
            }
            catch (RequestValidationException ex)
            {
                var enrolment = await sender.Send(new BeginMyOtpEnrolment(), http.RequestAborted);
                return await renderer.RenderAsync(http, "Identity/Enrol.sbn-html", "Set up your one-time password", EnrolPage.Of(enrolment, "/profile/otp", ex.Errors[0].Reason), StatusCodes.Status400BadRequest);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();
    }

    private static void MapUsers(RouteGroupBuilder pages)
    {
        var admin = pages.MapGroup("/admin/users");
        admin.MapGet("/", (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) =>
            UsersPageAsync(http, renderer, sender, tenant, null, [], StatusCodes.Status200OK));

        admin.MapPost("/", async (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var input = new UserForm(form["userName"].ToString().Trim(), form["displayName"].ToString().Trim(), form["role"].ToString(), form["customerId"].ToString());
            try
            {
                var user = await sender.Send(
                    new CreateUser(input.UserName, input.DisplayName, form["password"].ToString(), input.Role, Guid.TryParse(input.CustomerId, out var customerId) ? customerId : null),
                    http.RequestAborted);
                return Results.Redirect($"/admin/users/{user.Id}?done=created");
            }
            catch (RequestValidationException ex)
            {
                return await UsersPageAsync(http, renderer, sender, tenant, input, ex.Errors, StatusCodes.Status400BadRequest);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();

        admin.MapGet("/{userId:guid}", (Guid userId, HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant, string? done) =>
            UserPageAsync(userId, http, renderer, sender, tenant, new UserState { Notice = Notice(done) }, StatusCodes.Status200OK));

        foreach (var (action, disabled, done) in new[] { ("disable", true, "disabled"), ("enable", false, "enabled") })
        {
            admin.MapPost($"/{{userId:guid}}/{action}", async (Guid userId, HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) =>
            {
                try
                {
                    await sender.Send(new SetUserDisabled(userId, disabled), http.RequestAborted);
                    return Results.Redirect($"/admin/users/{userId}?done={done}");
                }
                catch (ConflictException ex)
                {
                    return await UserPageAsync(userId, http, renderer, sender, tenant, new UserState { Error = ex.Message }, StatusCodes.Status409Conflict);
                }
            }).AddEndpointFilter<AntiforgeryFilter>();
        }

        admin.MapPost("/{userId:guid}/otp-reset", async (Guid userId, HttpContext http, ISender sender) =>
        {
            await sender.Send(new ResetOtpEnrolment(userId), http.RequestAborted);
            return Results.Redirect($"/admin/users/{userId}?done=otp-reset");
        }).AddEndpointFilter<AntiforgeryFilter>();

        admin.MapPost("/{userId:guid}/grants", async (Guid userId, HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var input = new GrantForm(form["target"] == "vm" ? "vm" : "account", form["vmId"].ToString().Trim(), form["level"].ToString());
            try
            {
                Guid? vmId = null;
                if (input.Target == "vm")
                {
                    vmId = Guid.TryParse(input.VmId, out var id) && id != Guid.Empty
                        ? id
                        : throw new RequestValidationException("vmId", "Paste the vServer's ID, e.g. 3f2b…-…; it is on the vServer's page.");
                }

                await sender.Send(new GrantAccess(userId, vmId, input.Level), http.RequestAborted);
                return Results.Redirect($"/admin/users/{userId}?done=granted");
            }
            catch (RequestValidationException ex)
            {
                return await UserPageAsync(userId, http, renderer, sender, tenant, new UserState { GrantInput = input, GrantErrors = ex.Errors }, StatusCodes.Status400BadRequest);
            }
            catch (ConflictException ex)
            {
                return await UserPageAsync(userId, http, renderer, sender, tenant, new UserState { GrantInput = input, Error = ex.Message }, StatusCodes.Status409Conflict);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();

        admin.MapPost("/{userId:guid}/grants/{grantId:guid}/revoke", async (Guid userId, Guid grantId, HttpContext http, ISender sender) =>
        {
            await sender.Send(new RevokeGrant(grantId), http.RequestAborted);
            return Results.Redirect($"/admin/users/{userId}?done=revoked");
        }).AddEndpointFilter<AntiforgeryFilter>();
    }

    /// <summary>Confirm it is you: the password, and the current one-time password where enrolled.</summary>
    private static async Task<IResult> ConfirmPageAsync(HttpContext http, IPageRenderer renderer, ISender sender, string returnUrl, IReadOnlyList<FieldError> errors, int status)
    {
        var account = await sender.Send(new GetMyAccount(), http.RequestAborted);
        NoStore(http);
        return await renderer.RenderAsync(http, "Identity/Confirm.sbn-html", "Confirm it is you", new
        {
            ReturnUrl = returnUrl,
            account.OtpEnrolled,
            Failed = errors.Count > 0,
            Errors = ErrorsByField(errors),
        }, status);
    }

    private static async Task<IResult> ProfilePageAsync(HttpContext http, IPageRenderer renderer, ISender sender, ProfileState state, int status)
    {
        var account = await sender.Send(new GetMyAccount(), http.RequestAborted);
        var tokens = await sender.Send(new ListApiTokens(), http.RequestAborted);
        var input = state.TokenInput ?? new TokenForm("", ["read"], "90");
        if (state.NewToken is not null)
        {
            NoStore(http);
        }

        return await renderer.RenderAsync(http, "Identity/Profile.sbn-html", "Profile", new
        {
            Account = new
            {
                account.UserName,
                account.DisplayName,
                Role = RoleLabel(account.Role),
                account.OtpEnrolled,
                Since = Day(account.CreatedAt),
                LastLogin = account.LastLoginAt is { } at ? Timestamp(at) : "",
            },
            state.Notice,
            state.NewToken,
            Tokens = tokens.Select(t => new
            {
                Id = t.Id.ToString(),
                t.Name,
                t.Prefix,
                Scopes = string.Join(", ", t.Scopes),
                Created = Day(t.CreatedAt),
                Expires = Day(t.ExpiresAt),
                LastUsed = t.LastUsedAt is { } used ? Timestamp(used) : "",
                t.Status,
                Active = t.Status == "active",
            }).ToArray(),
            PasswordFailed = state.PasswordErrors.Count > 0,
            PasswordErrors = ErrorsByField(state.PasswordErrors),
            TokenFailed = state.TokenErrors.Count > 0,
            TokenErrors = ErrorsByField(state.TokenErrors),
            TokenInput = new
            {
                input.Name,
                Read = input.Scopes.Contains("read"),
                Operate = input.Scopes.Contains("operate"),
                Manage = input.Scopes.Contains("manage"),
                input.ExpiresInDays,
            },
        }, status);
    }

    private static async Task<IResult> UsersPageAsync(HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant, UserForm? input, IReadOnlyList<FieldError> errors, int status)
    {
        var users = await sender.Send(new ListUsers(), http.RequestAborted);
        var customers = await CustomerNamesAsync(sender, tenant, http.RequestAborted);
        var roles = customers is null
            ? new[] { TenantClaims.CustomerUserRole, TenantClaims.CustomerAdminRole }
            : [TenantClaims.CustomerUserRole, TenantClaims.CustomerAdminRole, TenantClaims.ResellerAdminRole];
        return await renderer.RenderAsync(http, "Identity/Users.sbn-html", "Users", new
        {
            Users = users.Select(u => new
            {
                Id = u.Id.ToString(),
                u.UserName,
                u.DisplayName,
                Role = RoleLabel(u.Role),
                Customer = CustomerName(customers, u.CustomerId),
                u.Disabled,
                u.OtpEnrolled,
                u.Locked,
                LastLogin = u.LastLoginAt is { } at ? Timestamp(at) : "",
                Self = u.Id == tenant.UserId,
            }).ToArray(),
            ChoosesCustomer = customers is not null,
            Customers = (customers ?? []).Select(c => new { Id = c.Key.ToString(), Name = c.Value }).OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase).ToArray(),
            Roles = roles.Select(r => new { Value = r, Label = RoleLabel(r) }).ToArray(),
            Input = input ?? new UserForm("", "", TenantClaims.CustomerUserRole, ""),
            HasErrors = errors.Count > 0,
            Errors = ErrorsByField(errors),
        }, status);
    }

    private static async Task<IResult> UserPageAsync(Guid userId, HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant, UserState state, int status)
    {
        var user = await sender.Send(new GetUser(userId), http.RequestAborted);
        var takesGrants = user.Role == TenantClaims.CustomerUserRole;
        var grants = takesGrants ? await sender.Send(new ListGrants(userId), http.RequestAborted) : [];
        var customers = await CustomerNamesAsync(sender, tenant, http.RequestAborted);
        return await renderer.RenderAsync(http, "Identity/User.sbn-html", user.DisplayName, new
        {
            User = new
            {
                Id = user.Id.ToString(),
                user.UserName,
                user.DisplayName,
                Role = RoleLabel(user.Role),
                Customer = CustomerName(customers, user.CustomerId),
                user.Disabled,
                user.OtpEnrolled,
                user.Locked,
                Created = Day(user.CreatedAt),
                LastLogin = user.LastLoginAt is { } at ? Timestamp(at) : "",
            },
            Self = user.Id == tenant.UserId,
            state.Notice,
            state.Error,
            TakesGrants = takesGrants,
            Grants = grants.Select(g => new
            {
                Id = g.Id.ToString(),
                WholeAccount = g.VmId is null,
                VmId = g.VmId?.ToString() ?? "",
                g.Level,
                g.GrantedBy,
                GrantedAt = Timestamp(g.GrantedAt),
            }).ToArray(),
            Levels = GrantLevels,
            GrantInput = state.GrantInput ?? new GrantForm("account", "", "view"),
            GrantFailed = state.GrantErrors.Count > 0,
            GrantErrors = ErrorsByField(state.GrantErrors),
        }, status);
    }

    /// <summary>Customer names for admins above customers; null for a customer admin, who only sees its own customer.</summary>
    private static async Task<Dictionary<Guid, string>?> CustomerNamesAsync(ISender sender, ITenantContext tenant, CancellationToken cancellationToken) =>
        tenant.Role is TenantClaims.OperatorRole or TenantClaims.ResellerAdminRole
            ? (await sender.Send(new ListCustomers(), cancellationToken)).ToDictionary(c => c.Id, c => c.Name)
            : null;

    private static string CustomerName(Dictionary<Guid, string>? customers, Guid customerId) =>
        customerId == Guid.Empty ? "" : customers is not null && customers.TryGetValue(customerId, out var name) ? name : "";

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

    private static void NoStore(HttpContext http) => http.Response.Headers.CacheControl = "no-store";

    private static string? Notice(string? done) => done is not null && Notices.TryGetValue(done, out var text) ? text : null;

    private static Dictionary<string, string> ErrorsByField(IReadOnlyList<FieldError> errors) =>
        errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => string.Join(" ", g.Select(e => e.Reason)));

    private static string RoleLabel(string role) => role switch
    {
        TenantClaims.OperatorRole => "Operator",
        TenantClaims.ResellerAdminRole => "Reseller admin",
        TenantClaims.CustomerAdminRole => "Customer admin",
        TenantClaims.CustomerUserRole => "Customer user",
        _ => role,
    };

    private static DateOnly? ParseDate(string text, string field, List<FieldError> errors)
    {
        if (text.Length == 0)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        errors.Add(new(field, "Enter a date as YYYY-MM-DD."));
        return null;
    }

    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static int Int(string? value) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static string? Blank(string value) => value.Length == 0 ? null : value;

    private sealed record ProfileState
    {
        public string? Notice { get; init; }

        public string? NewToken { get; init; }

        public TokenForm? TokenInput { get; init; }

        public IReadOnlyList<FieldError> TokenErrors { get; init; } = [];

        public IReadOnlyList<FieldError> PasswordErrors { get; init; } = [];
    }

    private sealed record UserState
    {
        public string? Notice { get; init; }

        public string? Error { get; init; }

        public GrantForm? GrantInput { get; init; }

        public IReadOnlyList<FieldError> GrantErrors { get; init; } = [];
    }

    private sealed record TokenForm(string Name, IReadOnlyList<string> Scopes, string ExpiresInDays);

    private sealed record UserForm(string UserName, string DisplayName, string Role, string CustomerId);

    private sealed record GrantForm(string Target, string VmId, string Level);

    private sealed record AuditFilter(string Actor, string Action, string From, string To);
}
