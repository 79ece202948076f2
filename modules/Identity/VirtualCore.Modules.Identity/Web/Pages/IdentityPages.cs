using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Identity.Web.Pages;

/// <summary>
/// The themed pages of signed-in users: one's own profile (password, one-time password, API tokens, confirming it
/// is you), user administration with grants, the audit log; and what those pages share (notices, role labels).
/// </summary>
internal static class IdentityPages
{
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

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").RequireAuthorization().ExcludeFromDescription();
        ProfilePage.Map(pages);
        ConfirmPage.Map(pages);
        OtpEnrolmentPage.Map(pages);
        var users = pages.MapGroup("/admin/users");
        UsersPage.Map(users);
        UserPage.Map(users);
        AuditPage.Map(pages);
    }

    public static void NoStore(HttpContext http) => http.Response.Headers.CacheControl = "no-store";

    public static string? Notice(string? done) => done is not null && Notices.TryGetValue(done, out var text) ? text : null;

    public static string RoleLabel(string role) => role switch
    {
        TenantClaims.OperatorRole => "Operator",
        TenantClaims.ResellerAdminRole => "Reseller admin",
        TenantClaims.CustomerAdminRole => "Customer admin",
        TenantClaims.CustomerUserRole => "Customer user",
        _ => role,
    };

    /// <summary>Customer names for admins above customers; null for a customer admin, who only sees its own customer.</summary>
    public static async Task<Dictionary<Guid, string>?> CustomerNamesAsync(ISender sender, ITenantContext tenant, CancellationToken cancellationToken) =>
        tenant.Role is TenantClaims.OperatorRole or TenantClaims.ResellerAdminRole
            ? (await sender.Send(new ListCustomers(), cancellationToken)).ToDictionary(c => c.Id, c => c.Name)
            : null;

    public static string CustomerName(Dictionary<Guid, string>? customers, Guid customerId) =>
        customerId == Guid.Empty ? "" : customers is not null && customers.TryGetValue(customerId, out var name) ? name : "";
}
