using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Modules.Compute.Domain;

/// <summary>A recovery point of a VM as the portal knows it.</summary>
internal sealed class RecoveryPointRecord : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public Guid VmId { get; set; }

    /// <summary>The name on the rack server.</summary>
    public required string Name { get; set; }

    public string? Note { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>"creating" or "ready".</summary>
    public required string Status { get; set; }
}
