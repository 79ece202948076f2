using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Identity.Features.Users;

namespace VirtualCore.Modules.Identity.Web.Pages;

/// <summary>The users the caller administers, and the form that creates one (/admin/users, the group <c>users</c> maps under).</summary>
internal static class UsersPage
{
    public static void Map(RouteGroupBuilder users)
    {
        users.MapGet("/", (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) =>
            RenderAsync(http, renderer, sender, tenant, null, [], StatusCodes.Status200OK));

        users.MapPost("/", async (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) =>
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
                return await RenderAsync(http, renderer, sender, tenant, input, ex.Errors, StatusCodes.Status400BadRequest);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();
    }

    private static async Task<IResult> RenderAsync(HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant, UserForm? input, IReadOnlyList<FieldError> errors, int status)
    {
        var users = await sender.Send(new ListUsers(), http.RequestAborted);
        var customers = await IdentityPages.CustomerNamesAsync(sender, tenant, http.RequestAborted);
        var roles = customers is null
            ? new[] { TenantClaims.CustomerUserRole, TenantClaims.CustomerAdminRole }
            : [TenantClaims.CustomerUserRole, TenantClaims.CustomerAdminRole, TenantClaims.ResellerAdminRole];
        var model = new UsersPageModel(
            users.Select(u => new UserRow(
                u.Id.ToString(),
                u.UserName,
                u.DisplayName,
                IdentityPages.RoleLabel(u.Role),
                IdentityPages.CustomerName(customers, u.CustomerId),
                u.Disabled,
                u.OtpEnrolled,
                u.Locked,
                PageFormat.Timestamp(u.LastLoginAt),
                u.Id == tenant.UserId)).ToArray(),
            customers is not null,
            (customers ?? []).Select(c => new CustomerOption(c.Key.ToString(), c.Value)).OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase).ToArray(),
            roles.Select(r => new RoleOption(r, IdentityPages.RoleLabel(r))).ToArray(),
            input ?? new UserForm("", "", TenantClaims.CustomerUserRole, ""),
            errors.Count > 0,
            PageForms.ErrorsByField(errors));
        return await renderer.RenderAsync(http, "Identity/Users.sbn-html", "Users", model, status);
    }
}

/// <summary>What Identity/Users.sbn-html shows: the users one administers and the new-user form.</summary>
/// <param name="Users">The users, by user name.</param>
/// <param name="ChoosesCustomer">True when the form asks for the customer (reseller admins and the operator).</param>
/// <param name="Customers">The customers to choose from, by name.</param>
/// <param name="Roles">The roles the caller may give.</param>
/// <param name="Input">The form's values.</param>
/// <param name="HasErrors">True when creating the user was refused.</param>
/// <param name="Errors">The form's problems, by field name.</param>
public sealed record UsersPageModel(
    IReadOnlyList<UserRow> Users,
    bool ChoosesCustomer,
    IReadOnlyList<CustomerOption> Customers,
    IReadOnlyList<RoleOption> Roles,
    UserForm Input,
    bool HasErrors,
    IReadOnlyDictionary<string, string> Errors);

/// <summary>One user in the list.</summary>
/// <param name="Id">The user's id, for its page's address.</param>
/// <param name="UserName">The sign-in name.</param>
/// <param name="DisplayName">How the user is shown.</param>
/// <param name="Role">The role's label.</param>
/// <param name="Customer">The customer's name; empty for staff or when the caller sees only its own customer.</param>
/// <param name="Disabled">True when the user cannot sign in.</param>
/// <param name="OtpEnrolled">True when the user signs in with a one-time password.</param>
/// <param name="Locked">True when locked out for some client address now.</param>
/// <param name="LastLogin">The last sign-in (UTC, ISO 8601); empty when never.</param>
/// <param name="Self">True for the caller's own account.</param>
public sealed record UserRow(
    string Id, string UserName, string DisplayName, string Role, string Customer, bool Disabled, bool OtpEnrolled, bool Locked, string LastLogin, bool Self);

/// <summary>A customer to choose in the new-user form.</summary>
/// <param name="Id">The customer's id, the option's value.</param>
/// <param name="Name">The customer's name, the option's text.</param>
public sealed record CustomerOption(string Id, string Name);

/// <summary>A role to choose in the new-user form.</summary>
/// <param name="Value">The role as the form posts it, e.g. "customer-user".</param>
/// <param name="Label">The role as shown, e.g. "Customer user".</param>
public sealed record RoleOption(string Value, string Label);

/// <summary>The new-user form's values (never the password).</summary>
/// <param name="UserName">The sign-in name as typed.</param>
/// <param name="DisplayName">The display name as typed.</param>
/// <param name="Role">The chosen role.</param>
/// <param name="CustomerId">The chosen customer's id; empty for none.</param>
public sealed record UserForm(string UserName, string DisplayName, string Role, string CustomerId);
