using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Modules.Identity.Domain;

/// <summary>A reseller: runs a branded portal for its customers. The provider itself is the first reseller.</summary>
internal sealed class Reseller
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public required string BrandName { get; set; }

    public string ThemeName { get; set; } = "Default";

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A customer of a reseller.</summary>
internal sealed class Customer
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public required string Name { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal enum UserRole
{
    Operator = 0,
    CustomerAdmin = 1,
    CustomerUser = 2,
}

/// <summary>A person who logs in. Operator staff have no customer (<see cref="Guid.Empty"/>).</summary>
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
}
