namespace VirtualCore.Framework.Tenancy;

/// <summary>Who is asking: the reseller (from the host name or login), the customer and the user (from the login).</summary>
public interface ITenantContext
{
    Guid? ResellerId { get; }

    /// <summary>The user's customer; null for the provider's and resellers' own users, who belong to none.</summary>
    Guid? CustomerId { get; }

    Guid? UserId { get; }

    string UserName { get; }

    /// <summary>The caller's role (see <see cref="TenantClaims"/>), or null for the system and anonymous callers.</summary>
    string? Role { get; }

    /// <summary>The provider's staff: sees every tenant.</summary>
    bool IsOperator { get; }

    /// <summary>Background work on behalf of the system (bus consumers, the job dispatcher): no tenant filter.</summary>
    bool IsSystem { get; }

    bool IsAuthenticated => UserId is not null || IsSystem;
}

/// <summary>Rows that belong to a reseller's customer. Query filters keep other tenants' rows out of sight.</summary>
public interface ITenantOwned
{
    Guid ResellerId { get; }

    Guid CustomerId { get; }
}
