using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace VirtualCore.Framework.Tenancy;

public static class TenantClaims
{
    public const string ResellerId = "vcore:reseller";
    public const string CustomerId = "vcore:customer";
    public const string Role = ClaimTypes.Role;
    public const string OperatorRole = "operator";
    public const string ResellerAdminRole = "reseller-admin";
    public const string CustomerAdminRole = "customer-admin";
    public const string CustomerUserRole = "customer-user";
}

/// <summary>The tenant of the current HTTP request, read from the authenticated principal.</summary>
public sealed class HttpTenantContext(IHttpContextAccessor accessor) : ITenantContext
{
    private ClaimsPrincipal? User => accessor.HttpContext?.User is { Identity.IsAuthenticated: true } user ? user : null;

    // Signed-in users carry their reseller; before sign-in it is the reseller whose host name was used.
    public Guid? ResellerId => Read(TenantClaims.ResellerId) ?? (accessor.HttpContext is { } http ? HostTenancy.ResellerOf(http)?.Id : null);

    // A provider's or reseller's user carries the empty id in its customer claim: it belongs to no customer.
    public Guid? CustomerId => Read(TenantClaims.CustomerId) is { } id && id != Guid.Empty ? id : null;

    public Guid? UserId => Read(ClaimTypes.NameIdentifier);

    public string UserName => User?.Identity?.Name ?? "anonymous";

    public string? Role => User?.FindFirst(TenantClaims.Role)?.Value;

    public bool IsOperator => Role == TenantClaims.OperatorRole;

    public bool IsSystem => false;

    private Guid? Read(string type) => Guid.TryParse(User?.FindFirst(type)?.Value, out var id) ? id : null;
}

/// <summary>The system itself (bus consumers, dispatchers, seeding): sees every tenant.</summary>
public sealed class SystemTenantContext : ITenantContext
{
    public static SystemTenantContext Instance { get; } = new();

    public Guid? ResellerId => null;

    public Guid? CustomerId => null;

    public Guid? UserId => null;

    public string UserName => "system";

    public string? Role => null;

    public bool IsOperator => false;

    public bool IsSystem => true;
}

/// <summary>
/// The scoped tenant: the HTTP request's, unless code running outside a request (a consumer) switched the
/// scope to the system context.
/// </summary>
public sealed class ScopedTenantContext(IHttpContextAccessor accessor) : ITenantContext
{
    private readonly HttpTenantContext _http = new(accessor);
    private ITenantContext? _override;

    private ITenantContext Current => _override ?? (accessor.HttpContext is null ? SystemTenantContext.Instance : _http);

    public Guid? ResellerId => Current.ResellerId;

    public Guid? CustomerId => Current.CustomerId;

    public Guid? UserId => Current.UserId;

    public string UserName => Current.UserName;

    public string? Role => Current.Role;

    public bool IsOperator => Current.IsOperator;

    public bool IsSystem => Current.IsSystem;

    /// <summary>Makes this scope act as the given tenant (tests, system work).</summary>
    public void Use(ITenantContext tenant) => _override = tenant;
}

/// <summary>A tenant given explicitly (tests, benchmarks, work started on a user's behalf).</summary>
public sealed record FixedTenantContext(Guid? ResellerId, Guid? CustomerId, Guid? UserId, string UserName, string? Role)
    : ITenantContext
{
    public bool IsOperator => Role == TenantClaims.OperatorRole;

    public bool IsSystem => false;
}

/// <summary>Scopes for work the portal does on its own (rounds, schedulers), outside anyone's request.</summary>
public static class SystemScopes
{
    /// <summary>A new scope whose tenant is the system: its queries see every tenant, its commands act as the portal.</summary>
    public static AsyncServiceScope CreateSystemScope(this IServiceScopeFactory scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ScopedTenantContext>().Use(SystemTenantContext.Instance);
        return scope;
    }
}
