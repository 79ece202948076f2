using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Modules.Compute.Domain;

/// <summary>
/// A hardware change of a VM while its job runs. Extra cores are held from the start; the VM takes the new values
/// when the job completes, and a failed job gives back what was held. Removed once its job has ended.
/// </summary>
internal sealed class HardwareEdit : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public Guid VmId { get; set; }

    public int? VCpus { get; set; }

    /// <summary>The cores the VM keeps after the change, comma-separated; set with <see cref="VCpus"/>.</summary>
    public string? CoresAfter { get; set; }

    /// <summary>The cores held for the change that the VM did not have before, comma-separated.</summary>
    public string CoresAdded { get; set; } = "";

    public int? MemoryGiB { get; set; }

    public int? DiskGiB { get; set; }

    /// <summary>True when the ISO changes: to <see cref="IsoName"/>, or detached when that is null.</summary>
    public bool ChangesIso { get; set; }

    public string? IsoName { get; set; }

    public string? BootOrder { get; set; }

    public string? DiskBus { get; set; }

    public string? NicModel { get; set; }
}
