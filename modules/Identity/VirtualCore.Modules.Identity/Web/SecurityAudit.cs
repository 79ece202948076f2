using Microsoft.AspNetCore.Http;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>Adds audit entries to the current unit of work: they commit with the change they describe.</summary>
internal sealed class SecurityAudit(PortalDbContext db, ITenantContext tenant, IHttpContextAccessor http, TimeProvider clock) : ISecurityAudit
{
    public void Record(string action, string target, string? detail = null, Guid? resellerId = null, Guid? customerId = null, string? actor = null) =>
        db.Add(new AuditEntry
        {
            Id = Guid.NewGuid(),
            ResellerId = resellerId ?? tenant.ResellerId ?? Guid.Empty,
            CustomerId = customerId ?? tenant.CustomerId ?? Guid.Empty,
            At = clock.GetUtcNow(),
            Actor = actor ?? (tenant.UserId is null && !tenant.IsSystem ? "anonymous" : tenant.UserName),
            Action = action,
            Target = Truncate(target, 100),
            Detail = detail is null ? null : Truncate(detail, 500),
            IpAddress = http.HttpContext?.Connection.RemoteIpAddress?.ToString(),
        });

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}
