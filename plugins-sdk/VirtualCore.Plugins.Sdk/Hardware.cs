namespace VirtualCore.Plugins.Sdk;

/// <summary>A device the firmware may boot from.</summary>
public enum BootDevice
{
    Disk = 0,
    Cdrom = 1,
    Network = 2,
}

/// <summary>A disk image to grow to <paramref name="CapacityBytes"/> (never shrunk: data would be lost).</summary>
/// <param name="Path">The disk's image file, as in <see cref="DiskSpec.Path"/>.</param>
/// <param name="CapacityBytes">The new virtual size.</param>
public sealed record DiskGrowth(string Path, long CapacityBytes);

/// <summary>The ISO in the CD-ROM drive after the change.</summary>
/// <param name="IsoPath">Absolute path of the ISO on the node, or null to detach it.</param>
public sealed record CdromChange(string? IsoPath);

/// <summary>Hardware to change; a null (or empty) member leaves that part as it is.</summary>
public sealed record HardwareChange
{
    /// <summary>The new number of vCPUs.</summary>
    public int? VCpus { get; init; }

    /// <summary>
    /// Physical core per vCPU after the change (dedicated cores). Needed when a pinned domain gains vCPUs; when it
    /// loses vCPUs without it, the remaining vCPUs keep their cores.
    /// </summary>
    public IReadOnlyList<int>? PinnedCores { get; init; }

    /// <summary>The new guest memory; a whole number of KiB.</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>Disks to grow.</summary>
    public IReadOnlyList<DiskGrowth> DiskGrowths { get; init; } = [];

    /// <summary>ISO to attach or detach.</summary>
    public CdromChange? Cdrom { get; init; }

    /// <summary>Devices to boot from, in order.</summary>
    public IReadOnlyList<BootDevice>? BootOrder { get; init; }

    /// <summary>The bus of every disk (virtio, or emulated for guests without virtio drivers).</summary>
    public DiskBus? DiskBus { get; init; }

    /// <summary>The model of every network interface.</summary>
    public NicModel? NicModel { get; init; }
}

/// <summary>A part of a domain's hardware.</summary>
public enum HardwareItem
{
    VCpus = 0,
    Memory = 1,
    Disk = 2,
    Cdrom = 3,
    BootOrder = 4,
    DiskBus = 5,
    NicModel = 6,
}

/// <summary>When a hardware change reaches the guest.</summary>
public enum ChangeTiming
{
    /// <summary>The running guest has it now.</summary>
    Live = 0,
    /// <summary>Recorded in the definition; the guest gets it when it next boots.</summary>
    NextBoot = 1,
}

/// <summary>One applied part of a <see cref="HardwareChange"/>.</summary>
/// <param name="Item">What changed.</param>
/// <param name="Timing">Live, or at the next boot.</param>
/// <param name="Detail">Which device, for disks (the image path); otherwise null.</param>
public sealed record HardwareChangeItem(HardwareItem Item, ChangeTiming Timing, string? Detail = null);

/// <summary>What <see cref="IHypervisorAdapter.UpdateHardwareAsync"/> did, one entry per requested item.</summary>
public sealed record HardwareChangeResult(IReadOnlyList<HardwareChangeItem> Items)
{
    /// <summary>True when at least one item waits for the next boot, so the page can say a restart is needed.</summary>
    public bool NeedsRestart => Items.Any(i => i.Timing == ChangeTiming.NextBoot);
}
