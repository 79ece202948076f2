using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Modules.Identity.Domain;

internal enum UserRole
{
    Operator = 0,
    CustomerAdmin = 1,
    CustomerUser = 2,
    ResellerAdmin = 3,
}

/// <summary>
/// A person who signs in on one reseller's portal. Operator and reseller staff have no customer
/// (<see cref="Guid.Empty"/>).
/// </summary>
internal sealed class UserAccount : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    /// <summary>Unique within the reseller; stored lower-case.</summary>
    public required string UserName { get; set; }

    public required string DisplayName { get; set; }

    public required string PasswordHash { get; set; }

    public UserRole Role { get; set; }

    public bool Disabled { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastLoginAt { get; set; }

    /// <summary>The language the person chose for the portal (<c>en</c>, <c>de</c>); null follows the reseller's default.</summary>
    public string? Language { get; set; }

    /// <summary>
    /// Changes whenever the account's credentials or standing change (password, one-time password, disabled, role):
    /// every session and every cached sign-in issued with an older stamp stops working.
    /// </summary>
    public string SecurityStamp { get; set; } = NewSecurityStamp();

    /// <summary>The TOTP secret, encrypted with the portal's data-protection keys; null when not enrolled.</summary>
    public string? OtpSecret { get; set; }

    /// <summary>A secret shown in an enrolment that was not confirmed yet, encrypted likewise.</summary>
    public string? PendingOtpSecret { get; set; }

    /// <summary>The last accepted TOTP time step: stored, so a code is never accepted twice, on any portal instance.</summary>
    public long? OtpLastStep { get; set; }

    public DateTimeOffset? OtpEnrolledAt { get; set; }

    /// <summary>An admin reset the enrolment: the user enrols again at the next sign-in.</summary>
    public bool OtpEnrolmentRequired { get; set; }

    public List<RecoveryCode> RecoveryCodes { get; set; } = [];

    public static string NewSecurityStamp() => Guid.NewGuid().ToString("N");

    public string RoleName => RoleNameOf(Role);

    public static string RoleNameOf(UserRole role) => role switch
    {
        UserRole.Operator => TenantClaims.OperatorRole,
        UserRole.ResellerAdmin => TenantClaims.ResellerAdminRole,
        UserRole.CustomerAdmin => TenantClaims.CustomerAdminRole,
        _ => TenantClaims.CustomerUserRole,
    };
}

/// <summary>A one-time recovery code, stored hashed.</summary>
internal sealed class RecoveryCode
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    public required string Hash { get; set; }

    public DateTimeOffset? UsedAt { get; set; }
}

/// <summary>A right of a customer user on one VM, or on all VMs of the account (<see cref="VmId"/> empty).</summary>
internal sealed class AccessGrant : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public Guid UserId { get; set; }

    public Guid VmId { get; set; }

    public AccessLevel Level { get; set; }

    public required string GrantedBy { get; set; }

    public DateTimeOffset GrantedAt { get; set; }
}

/// <summary>A personal API token: named, scoped, expiring, stored hashed, revocable.</summary>
internal sealed class ApiToken : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public Guid UserId { get; set; }

    public required string Name { get; set; }

    /// <summary>The token's first characters, to tell tokens apart in lists.</summary>
    public required string Prefix { get; set; }

    /// <summary>SHA-256 of the token: a 256-bit random token needs no slow hash.</summary>
    public required string Hash { get; set; }

    /// <summary>Comma-separated: read, operate, manage.</summary>
    public required string Scopes { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }
}

/// <summary>One entry of the security audit log.</summary>
internal sealed class AuditEntry : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public DateTimeOffset At { get; set; }

    public required string Actor { get; set; }

    public required string Action { get; set; }

    public required string Target { get; set; }

    public string? Detail { get; set; }

    public string? IpAddress { get; set; }
}

/// <summary>One signed-in browser (or cookie client): ended by signing out, or with every other session of its user.</summary>
internal sealed class UserSession
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public string? IpAddress { get; set; }
}

/// <summary>
/// Wrong answers for one account from one client address. Locking the pair, not the account, means an attacker
/// elsewhere cannot lock the account's owner out; each further lockout of the pair lasts twice as long.
/// </summary>
internal sealed class SignInThrottle
{
    public Guid UserId { get; set; }

    public required string IpAddress { get; set; }

    /// <summary>Wrong passwords or codes since the last success or lockout.</summary>
    public int Failures { get; set; }

    /// <summary>Lockouts so far; the next one lasts longer.</summary>
    public int Lockouts { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    public DateTimeOffset? LastFailureAt { get; set; }

    /// <summary>The account was signed in from this address: its owner's own address.</summary>
    public DateTimeOffset? LastSuccessAt { get; set; }
}
