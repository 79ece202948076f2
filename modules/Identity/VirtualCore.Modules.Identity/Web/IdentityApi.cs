using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Identity.Features.Audit;
using VirtualCore.Modules.Identity.Features.Login;
using VirtualCore.Modules.Identity.Features.Otp;
using VirtualCore.Modules.Identity.Features.Tokens;
using VirtualCore.Modules.Identity.Features.Users;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>The REST API of sessions, users, grants, API tokens and the audit log.</summary>
internal static class IdentityApi
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var session = endpoints.MapGroup("/api/v1/session").WithTags("Session");
        session.MapPost("/", async (HttpContext http, ISender sender, UserSessions sessions, SessionRequest body) =>
        {
            var outcome = await sender.Send(new Login.Command(body.UserName ?? "", body.Password ?? ""), http.RequestAborted);
            if (outcome.Stage == LoginStage.NeedsCode && !string.IsNullOrEmpty(body.Code))
            {
                outcome = await sender.Send(new Login.SecondFactor(outcome.UserId!.Value, body.Code), http.RequestAborted);
            }

            return outcome.Stage switch
            {
                LoginStage.SignedIn => await SignedInAsync(http, sessions, outcome),
                LoginStage.Throttled => Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many attempts.", detail: LoginOutcome.ThrottledMessage),
                LoginStage.NeedsCode => Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "One-time password required.", detail: "Send the current code in 'code'."),
                LoginStage.NeedsEnrolment => Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "One-time password enrolment required.", detail: "Sign in once in the browser to enrol a one-time password."),
                _ => Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in.", detail: LoginOutcome.Refusal),
            };
        }).AllowAnonymous().RequireRateLimiting(SignInRateLimit.Policy).WithName("SignIn")
            .Produces<SessionResponse>().ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Sign in with user name, password and (where enrolled) the one-time password; sets the session cookie. "
                + "With the cookie, calls that change something send csrfToken in the " + ApiAntiforgery.HeaderName + " header.");
        session.MapGet("/", (HttpContext http) => Results.Ok(SessionResponse.From(http.User, ApiAntiforgery.IssueToken(http))))
            .RequireAuthorization().RequireScope(ApiScopes.Read).WithName("GetSession").Produces<SessionResponse>().WithSummary("Who is signed in, and the anti-forgery token for calls with the session cookie.");
        session.MapDelete("/", async (HttpContext http, UserSessions sessions) =>
        {
            await sessions.SignOutAsync(http);
            return Results.NoContent();
        }).RequireAuthorization().DenyApiTokens().WithName("SignOut").Produces(StatusCodes.Status204NoContent).WithSummary("Sign out: this session ends, also for any copy of its cookie.");
        session.MapPost("/confirm", async (HttpContext http, ISender sender, UserSessions sessions, ConfirmRequest body) =>
        {
            var errors = await sender.Send(new ConfirmIdentity(body.Password, body.Code), http.RequestAborted);
            if (errors.Count > 0)
            {
                throw new RequestValidationException(errors);
            }

            if (UserSessions.CurrentId(http.User) is not null)
            {
                await sessions.RenewAsync(http, proved: true);
            }

            return Results.NoContent();
        }).RequireAuthorization().DenyApiTokens().RequireRateLimiting(SignInRateLimit.Policy).WithName("ConfirmIdentity").Produces(StatusCodes.Status204NoContent)
            .WithSummary("Confirms it is you (password, and the current one-time password where enrolled): for ten minutes the session may change credentials and create tokens.")
            .ProducesValidationProblem();

        var api = endpoints.MapGroup("/api/v1").RequireAuthorization();
        var users = api.MapGroup("/users").WithTags("Users").RequireScope(ApiScopes.Manage);
        users.MapGet("/", (ISender sender, CancellationToken ct) => sender.Send(new ListUsers(), ct)).WithName("ListUsers").WithSummary("The users the caller administers.");
        users.MapGet("/{userId:guid}", (Guid userId, ISender sender, CancellationToken ct) => sender.Send(new GetUser(userId), ct))
            .WithName("GetUser").WithSummary("One user.").ProducesProblem(StatusCodes.Status404NotFound);
        users.MapPost("/", async (CreateUser body, ISender sender, CancellationToken ct) =>
        {
            var user = await sender.Send(body, ct);
            return Results.Created($"/api/v1/users/{user.Id}", user);
        }).WithName("CreateUser").Produces<UserView>(StatusCodes.Status201Created).WithSummary("Creates a user.").ProducesValidationProblem();
        users.MapPost("/{userId:guid}/disable", (Guid userId, ISender sender, CancellationToken ct) => sender.Send(new SetUserDisabled(userId, true), ct))
            .WithName("DisableUser").IfMatch(route => new GetUser(route.Guid("userId"))).WithSummary("Disables a user: no sign-in, no API token works.").ProducesProblem(StatusCodes.Status404NotFound);
        users.MapPost("/{userId:guid}/enable", (Guid userId, ISender sender, CancellationToken ct) => sender.Send(new SetUserDisabled(userId, false), ct))
            .WithName("EnableUser").IfMatch(route => new GetUser(route.Guid("userId"))).WithSummary("Enables a user again.").ProducesProblem(StatusCodes.Status404NotFound);
        users.MapDelete("/{userId:guid}/otp", async (Guid userId, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new ResetOtpEnrolment(userId), ct);
            return Results.NoContent();
        }).WithName("ResetUserOtp").IfMatch(route => new GetUser(route.Guid("userId"))).Produces(StatusCodes.Status204NoContent).WithSummary("Resets the user's one-time password: enrolment again at the next sign-in.").ProducesProblem(StatusCodes.Status404NotFound);
        users.MapGet("/{userId:guid}/grants", (Guid userId, ISender sender, CancellationToken ct) => sender.Send(new ListGrants(userId), ct))
            .WithName("ListGrants").WithSummary("A customer user's grants.").ProducesProblem(StatusCodes.Status404NotFound);
        users.MapPost("/{userId:guid}/grants", (Guid userId, GrantRequest body, ISender sender, CancellationToken ct) => sender.Send(new GrantAccess(userId, body.VmId, body.Level), ct))
            .WithName("GrantAccess").WithSummary("Grants view, operate or manage on one VM, or on the whole account (no vmId).").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/grants/{grantId:guid}", async (Guid grantId, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new RevokeGrant(grantId), ct);
            return Results.NoContent();
        }).WithTags("Users").RequireScope(ApiScopes.Manage).WithName("RevokeGrant").Produces(StatusCodes.Status204NoContent).WithSummary("Revokes a grant.").ProducesProblem(StatusCodes.Status404NotFound);

        var tokens = api.MapGroup("/tokens").WithTags("API tokens").DenyApiTokens();
        tokens.MapGet("/", (ISender sender, CancellationToken ct) => sender.Send(new ListApiTokens(), ct)).WithName("ListApiTokens").WithSummary("The caller's API tokens, with last use.");
        tokens.MapPost("/", async (CreateApiToken body, ISender sender, CancellationToken ct) =>
        {
            var created = await sender.Send(body, ct);
            return Results.Created($"/api/v1/tokens/{created.Details.Id}", created);
        }).WithName("CreateApiToken").Produces<CreatedApiToken>(StatusCodes.Status201Created).WithSummary("Creates an API token; the token is in the answer, this once. Needs a fresh proof (HTTP Basic, or POST /api/v1/session/confirm within ten minutes).")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden);
        tokens.MapDelete("/{tokenId:guid}", async (Guid tokenId, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new RevokeApiToken(tokenId), ct);
            return Results.NoContent();
        }).WithName("RevokeApiToken").Produces(StatusCodes.Status204NoContent).WithSummary("Revokes an API token at once.").ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/profile/password", async (HttpContext http, PasswordRequest body, ISender sender, UserSessions sessions) =>
        {
            var errors = await sender.Send(new ChangePassword(body.CurrentPassword, body.NewPassword, body.CurrentCode), http.RequestAborted);
            if (errors.Count > 0)
            {
                throw new RequestValidationException(errors);
            }

            if (UserSessions.CurrentId(http.User) is not null)
            {
                await sessions.RenewAsync(http, proved: true);
            }

            return Results.NoContent();
        }).WithTags("Profile").DenyApiTokens().WithName("ChangePassword").Produces(StatusCodes.Status204NoContent)
            .WithSummary("Changes the caller's password, proven with the current password and, where enrolled, the current one-time password; the caller's other sessions end.")
            .ProducesValidationProblem();

        api.MapPut("/profile/language", async (LanguageRequest body, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new SetMyLanguage(body.Language), ct);
            return Results.NoContent();
        }).WithTags("Profile").DenyApiTokens().WithName("SetLanguage").Produces(StatusCodes.Status204NoContent)
            .WithSummary("Sets the language the portal speaks to the caller — pages, e-mails and problem details (en, de); null follows the reseller's default.")
            .ProducesValidationProblem();

        api.MapGet("/audit", (string? actor, string? action, DateTimeOffset? from, DateTimeOffset? to, int? limit, ISender sender, CancellationToken ct) =>
                sender.Send(new ListAuditEntries(actor, action, from, to, limit ?? 200), ct))
            .WithTags("Audit").RequireScope(ApiScopes.Read).WithName("ListAuditEntries").PagesItself().WithSummary("The security audit log of what the caller administers, newest first.").ProducesValidationProblem();
    }

    private static async Task<IResult> SignedInAsync(HttpContext http, UserSessions sessions, LoginOutcome outcome)
    {
        await sessions.SignInAsync(http, outcome.Principal!);

        // The token belongs to the user it is issued for: the one signed in now, not the anonymous caller.
        http.User = outcome.Principal!;
        return Results.Ok(SessionResponse.From(outcome.Principal!, ApiAntiforgery.IssueToken(http)));
    }
}

public sealed record SessionRequest(string? UserName, string? Password, string? Code);

/// <param name="UserName">The signed-in user.</param>
/// <param name="DisplayName">Their display name.</param>
/// <param name="Role">Their role.</param>
/// <param name="CsrfToken">For calls with the session cookie that change something: send it in the X-CSRF-Token header.</param>
public sealed record SessionResponse(string UserName, string DisplayName, string Role, string CsrfToken)
{
    public static SessionResponse From(System.Security.Claims.ClaimsPrincipal user, string csrfToken) => new(
        user.Identity?.Name ?? "",
        user.FindFirst("vcore:display-name")?.Value ?? "",
        user.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value ?? "",
        csrfToken);
}

public sealed record GrantRequest(Guid? VmId, string? Level);

/// <param name="CurrentCode">The current one-time password, where the account has one.</param>
public sealed record PasswordRequest(string? CurrentPassword, string? NewPassword, string? CurrentCode);

/// <summary>The caller's language: <c>en</c>, <c>de</c>, or null for the reseller's default.</summary>
public sealed record LanguageRequest(string? Language);

/// <param name="Code">The current one-time password, where the account has one.</param>
public sealed record ConfirmRequest(string? Password, string? Code);
