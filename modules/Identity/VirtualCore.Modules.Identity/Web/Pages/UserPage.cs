using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Identity.Features.Otp;
using VirtualCore.Modules.Identity.Features.Users;

namespace VirtualCore.Modules.Identity.Web.Pages;

/// <summary>
/// One user (/admin/users/{id}, under the group <c>users</c>): disabling and enabling, resetting the one-time password,
/// and a customer user's grants.
/// </summary>
internal static class UserPage
{
    private static readonly string[] GrantLevels = ["view", "operate", "manage"];

    public static void Map(RouteGroupBuilder users)
    {
        users.MapGet("/{userId:guid}", (Guid userId, HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant, string? done) =>
            RenderAsync(userId, http, renderer, sender, tenant, new State { Notice = IdentityPages.Notice(done) }, StatusCodes.Status200OK));

        foreach (var (action, disabled, done) in new[] { ("disable", true, "disabled"), ("enable", false, "enabled") })
        {
            users.MapPost($"/{{userId:guid}}/{action}", async (Guid userId, HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) =>
            {
                try
                {
                    await sender.Send(new SetUserDisabled(userId, disabled), http.RequestAborted);
                    return Results.Redirect($"/admin/users/{userId}?done={done}");
                }
                catch (ConflictException ex)
                {
                    return await RenderAsync(userId, http, renderer, sender, tenant, new State { Error = ex.Message }, StatusCodes.Status409Conflict);
                }
            }).AddEndpointFilter<AntiforgeryFilter>();
        }

        users.MapPost("/{userId:guid}/otp-reset", async (Guid userId, HttpContext http, ISender sender) =>
        {
            await sender.Send(new ResetOtpEnrolment(userId), http.RequestAborted);
            return Results.Redirect($"/admin/users/{userId}?done=otp-reset");
        }).AddEndpointFilter<AntiforgeryFilter>();

        users.MapPost("/{userId:guid}/grants", async (Guid userId, HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) =>
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
                return await RenderAsync(userId, http, renderer, sender, tenant, new State { GrantInput = input, GrantErrors = ex.Errors }, StatusCodes.Status400BadRequest);
            }
            catch (ConflictException ex)
            {
                return await RenderAsync(userId, http, renderer, sender, tenant, new State { GrantInput = input, Error = ex.Message }, StatusCodes.Status409Conflict);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();

        users.MapPost("/{userId:guid}/grants/{grantId:guid}/revoke", async (Guid userId, Guid grantId, HttpContext http, ISender sender) =>
        {
            await sender.Send(new RevokeGrant(grantId), http.RequestAborted);
            return Results.Redirect($"/admin/users/{userId}?done=revoked");
        }).AddEndpointFilter<AntiforgeryFilter>();
    }

    private static async Task<IResult> RenderAsync(Guid userId, HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant, State state, int status)
    {
        var user = await sender.Send(new GetUser(userId), http.RequestAborted);
        var takesGrants = user.Role == TenantClaims.CustomerUserRole;
        var grants = takesGrants ? await sender.Send(new ListGrants(userId), http.RequestAborted) : [];
        var customers = await IdentityPages.CustomerNamesAsync(sender, tenant, http.RequestAborted);
        var model = new UserPageModel(
            new UserDetails(
                user.Id.ToString(),
                user.UserName,
                user.DisplayName,
                IdentityPages.RoleLabel(user.Role),
                IdentityPages.CustomerName(customers, user.CustomerId),
                user.Disabled,
                user.OtpEnrolled,
                user.Locked,
                PageFormat.Day(user.CreatedAt),
                PageFormat.Timestamp(user.LastLoginAt)),
            user.Id == tenant.UserId,
            state.Notice,
            state.Error,
            takesGrants,
            grants.Select(g => new GrantRow(g.Id.ToString(), g.VmId is null, g.VmId?.ToString() ?? "", g.Level, g.GrantedBy, PageFormat.Timestamp(g.GrantedAt))).ToArray(),
            GrantLevels,
            state.GrantInput ?? new GrantForm("account", "", "view"),
            state.GrantErrors.Count > 0,
            PageForms.ErrorsByField(state.GrantErrors));
        return await renderer.RenderAsync(http, "Identity/User.sbn-html", user.DisplayName, model, status);
    }

    /// <summary>What the page shows besides the user: a notice, a refusal, or the grant form that failed.</summary>
    private sealed record State
    {
        public string? Notice { get; init; }

        public string? Error { get; init; }

        public GrantForm? GrantInput { get; init; }

        public IReadOnlyList<FieldError> GrantErrors { get; init; } = [];
    }
}

/// <summary>What Identity/User.sbn-html shows: one user, what can be done to it, and a customer user's grants.</summary>
/// <param name="User">The user.</param>
/// <param name="Self">True for the caller's own account, which it cannot disable.</param>
/// <param name="Notice">A confirmation of what was just done, or null.</param>
/// <param name="Error">Why the last action was refused, or null.</param>
/// <param name="TakesGrants">True for a customer user, the only role that gets grants.</param>
/// <param name="Grants">The user's grants, oldest first.</param>
/// <param name="Levels">The levels a grant can give.</param>
/// <param name="GrantInput">The grant form's values.</param>
/// <param name="GrantFailed">True when the grant was refused.</param>
/// <param name="GrantErrors">The grant form's problems, by field name.</param>
public sealed record UserPageModel(
    UserDetails User,
    bool Self,
    string? Notice,
    string? Error,
    bool TakesGrants,
    IReadOnlyList<GrantRow> Grants,
    IReadOnlyList<string> Levels,
    GrantForm GrantInput,
    bool GrantFailed,
    IReadOnlyDictionary<string, string> GrantErrors);

/// <summary>A user as its page shows it.</summary>
/// <param name="Id">The user's id, for the forms' addresses.</param>
/// <param name="UserName">The sign-in name.</param>
/// <param name="DisplayName">How the user is shown.</param>
/// <param name="Role">The role's label.</param>
/// <param name="Customer">The customer's name; empty for staff or when the caller sees only its own customer.</param>
/// <param name="Disabled">True when the user cannot sign in.</param>
/// <param name="OtpEnrolled">True when the user signs in with a one-time password.</param>
/// <param name="Locked">True when locked out for some client address now.</param>
/// <param name="Created">The day the account was created (UTC).</param>
/// <param name="LastLogin">The last sign-in (UTC, ISO 8601); empty when never.</param>
public sealed record UserDetails(
    string Id, string UserName, string DisplayName, string Role, string Customer, bool Disabled, bool OtpEnrolled, bool Locked, string Created, string LastLogin);

/// <summary>One grant of a customer user.</summary>
/// <param name="Id">The grant's id, for its revoke form.</param>
/// <param name="WholeAccount">True when it covers every VM of the customer.</param>
/// <param name="VmId">The VM it covers; empty for the whole account.</param>
/// <param name="Level">"view", "operate" or "manage".</param>
/// <param name="GrantedBy">Who gave it.</param>
/// <param name="GrantedAt">When it was given (UTC, ISO 8601).</param>
public sealed record GrantRow(string Id, bool WholeAccount, string VmId, string Level, string GrantedBy, string GrantedAt);

/// <summary>The grant form's values.</summary>
/// <param name="Target">"account" for every VM, "vm" for one.</param>
/// <param name="VmId">The VM's id as pasted.</param>
/// <param name="Level">The chosen level.</param>
public sealed record GrantForm(string Target, string VmId, string Level);
