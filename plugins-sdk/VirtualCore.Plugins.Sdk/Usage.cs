namespace VirtualCore.Plugins.Sdk;

/// <summary>
/// What a node and its running domains have used since they started, read at one instant in one call (libvirt's bulk
/// statistics). Every count only grows while its domain or node runs: the caller takes two samples and divides the
/// difference by the time between them. A count that shrank belongs to a domain that was started again.
/// </summary>
/// <param name="TakenAt">When the counts were read.</param>
/// <param name="Node">The node's own counts.</param>
/// <param name="Domains">One entry per running or paused domain; domains that are shut off use nothing and are left out.</param>
public sealed record UsageSample(DateTimeOffset TakenAt, NodeUsage Node, IReadOnlyList<DomainUsage> Domains);

/// <summary>A node's counts.</summary>
/// <param name="CpuBusyNanoseconds">CPU time of all its cores spent on anything but idling, since boot.</param>
/// <param name="CpuTotalNanoseconds">CPU time of all its cores, busy or idle, since boot.</param>
/// <param name="MemoryTotalBytes">Its memory.</param>
/// <param name="MemoryFreeBytes">Its memory that nothing uses (free and reclaimable caches).</param>
/// <param name="LoadAverage">The one-minute load average, or null where the adapter cannot read it.</param>
public sealed record NodeUsage(long CpuBusyNanoseconds, long CpuTotalNanoseconds, long MemoryTotalBytes, long MemoryFreeBytes, double? LoadAverage);

/// <summary>A running or paused domain's counts.</summary>
/// <param name="DomainId">The domain (the portal's VM id).</param>
/// <param name="VCpus">Its vCPUs now: CPU time divided by elapsed time and vCPUs is its CPU use in percent of what it has.</param>
/// <param name="CpuNanoseconds">CPU time its vCPUs and emulator used since it started.</param>
/// <param name="MemoryBytes">Memory the guest has now (the balloon's size).</param>
/// <param name="MemoryUsedBytes">Memory the guest uses (what its balloon driver reports, else what the node gave it), or null where unknown.</param>
/// <param name="Disks">Per disk, in the order of the definition.</param>
/// <param name="Interfaces">Per network interface, in the order of the definition.</param>
public sealed record DomainUsage(
    Guid DomainId,
    int VCpus,
    long CpuNanoseconds,
    long MemoryBytes,
    long? MemoryUsedBytes,
    IReadOnlyList<DiskUsage> Disks,
    IReadOnlyList<InterfaceUsage> Interfaces);

/// <summary>A disk's counts as the guest used it.</summary>
/// <param name="Name">The disk's target name (e.g. <c>vda</c>).</param>
public sealed record DiskUsage(string Name, long ReadBytes, long WriteBytes, long ReadOperations, long WriteOperations);

/// <summary>A network interface's counts, from the guest's side: received is what came in to the guest.</summary>
/// <param name="Name">The interface's name on the node (e.g. <c>vnet3</c>).</param>
public sealed record InterfaceUsage(string Name, long ReceivedBytes, long SentBytes, long ReceivedPackets, long SentPackets);
