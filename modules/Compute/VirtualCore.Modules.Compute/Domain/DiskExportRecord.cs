using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Modules.Compute.Domain;

/// <summary>A disk export of a VM: a file on the rack server the VM was on when it was exported.</summary>
internal sealed class DiskExportRecord : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public Guid VmId { get; set; }

    /// <summary>The rack server that holds the file (the VM may have moved since).</summary>
    public required string NodeName { get; set; }

    /// <summary>"qcow2" or "raw".</summary>
    public required string Format { get; set; }

    /// <summary>The recovery point it was made from; null for the disk as it was.</summary>
    public string? RecoveryPointName { get; set; }

    /// <summary>"exporting", "ready" or "deleting".</summary>
    public required string Status { get; set; }

    public long? SizeBytes { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it is deleted from the rack server unless deleted before.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
}
