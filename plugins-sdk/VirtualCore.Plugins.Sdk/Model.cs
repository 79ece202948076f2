namespace VirtualCore.Plugins.Sdk;

/// <summary>What a node offers to virtual machines.</summary>
/// <param name="Sockets">CPU sockets.</param>
/// <param name="CoresPerSocket">Physical cores per socket.</param>
/// <param name="ThreadsPerCore">Hardware threads per core.</param>
/// <param name="MemoryBytes">Physical memory.</param>
/// <param name="CpuModel">Model name as the hypervisor reports it.</param>
public sealed record NodeCapacity(int Sockets, int CoresPerSocket, int ThreadsPerCore, long MemoryBytes, string CpuModel)
{
    /// <summary>Physical cores: the unit of dedicated vCPUs (no overcommit, no hyper-thread siblings shared).</summary>
    public int PhysicalCores => Sockets * CoresPerSocket;
}

public enum DomainState
{
    Unknown = 0,
    Running = 1,
    Blocked = 2,
    Paused = 3,
    ShuttingDown = 4,
    ShutOff = 5,
    Crashed = 6,
    Suspended = 7,
    /// <summary>Shut off with its memory saved to disk (managed save): holds no CPU or RAM, resumes where it was.</summary>
    Parked = 8,
}

/// <summary>A domain as the hypervisor sees it.</summary>
/// <param name="Id">The domain's UUID: the portal's VM id.</param>
/// <param name="Name">The <see cref="DomainSpec.Name"/> the domain was defined with (its title), or the hypervisor's own
/// name for a domain that has none (one defined outside the portal). For people reading it; never an identity.</param>
/// <param name="State">The domain's state.</param>
/// <param name="VCpus">Its vCPUs.</param>
/// <param name="MemoryBytes">Its guest memory.</param>
public sealed record DomainInfo(Guid Id, string Name, DomainState State, int VCpus, long MemoryBytes);

public enum DiskBus
{
    /// <summary>Paravirtual (virtio-blk).</summary>
    Virtio = 0,
    /// <summary>Emulated SATA, for guests without virtio drivers.</summary>
    Sata = 1,
}

public enum NicModel
{
    Virtio = 0,
    E1000 = 1,
}

/// <summary>A disk of a domain.</summary>
/// <param name="Path">Image file on the node.</param>
/// <param name="CapacityBytes">Virtual size.</param>
/// <param name="Bus">virtio or emulated.</param>
public sealed record DiskSpec(string Path, long CapacityBytes, DiskBus Bus = DiskBus.Virtio)
{
    /// <summary>
    /// A self-contained qcow2 image on the node (a cloud image) the disk is made from when it is created: a full copy,
    /// grown to <see cref="CapacityBytes"/>, that leaves the image as it was. Null for an empty disk. Since SDK 1.4,
    /// with <see cref="AdapterCapabilities.CloudInitSeed"/>.
    /// </summary>
    public string? SourceImagePath { get; init; }
}

/// <summary>A network interface attached to a node network.</summary>
public sealed record NicSpec(string Network, string MacAddress, NicModel Model = NicModel.Virtio);

/// <summary>
/// What a domain should look like. Adapters build their native description from this record —
/// never by pasting its strings into markup.
/// </summary>
/// <remarks>
/// A domain's identity on the node is <see cref="Id"/> alone: adapters name the domain after it (the libvirt adapter
/// names it <c>vm-</c> and the id's 32 hex digits) and look it up by it. <see cref="Name"/> is chosen by a customer and
/// is not unique across customers, so it must never become the domain's name on the node, where one customer's name
/// would clash with another's and tell one about the other; adapters may show it as the domain's title.
/// </remarks>
/// <param name="Id">The portal's VM id; becomes the domain's UUID and, in a form the hypervisor accepts, its name.</param>
/// <param name="Name">The VM's DNS-safe name as its customer chose it: a title for people reading the node, not unique.</param>
/// <param name="VCpus">Number of vCPUs.</param>
/// <param name="MemoryBytes">Guest memory.</param>
/// <param name="PinnedCores">Physical core per vCPU (dedicated cores); empty for no pinning.</param>
/// <param name="Disks">Disks in boot order.</param>
/// <param name="CdromPath">ISO attached as a CD-ROM, or null.</param>
/// <param name="Nics">Network interfaces.</param>
public sealed record DomainSpec(
    Guid Id,
    string Name,
    int VCpus,
    long MemoryBytes,
    IReadOnlyList<int> PinnedCores,
    IReadOnlyList<DiskSpec> Disks,
    string? CdromPath,
    IReadOnlyList<NicSpec> Nics)
{
    /// <summary>A kernel to boot directly instead of from the disks, or null to boot from the disks.</summary>
    public DirectKernelBoot? DirectKernelBoot { get; init; }

    /// <summary>A file on the node that receives the first serial port's output, or null for no serial port.</summary>
    public string? SerialLogPath { get; init; }

    /// <summary>
    /// What cloud-init reads on the first boot, or null for none. An adapter with
    /// <see cref="AdapterCapabilities.CloudInitSeed"/> gives the guest a read-only CD-ROM labelled <c>cidata</c> holding it
    /// (<see cref="CloudInitSeed.ToIsoImage"/>), kept beside the disks and removed with them.
    /// </summary>
    public CloudInitSeed? CloudInit { get; init; }
}

/// <summary>Boots a kernel and initrd from files on the node, without a boot loader (appliances, rescue systems).</summary>
/// <param name="KernelPath">Kernel image on the node.</param>
/// <param name="InitrdPath">Initial RAM disk on the node.</param>
/// <param name="CommandLine">Kernel command line.</param>
public sealed record DirectKernelBoot(string KernelPath, string InitrdPath, string CommandLine);

/// <summary>What an adapter can do; the portal offers only what the node's adapter declares.</summary>
[Flags]
public enum AdapterCapabilities
{
    None = 0,
    /// <summary>Reports CPU topology and memory of the node.</summary>
    NodeCapacity = 1 << 0,
    /// <summary>vCPUs can be pinned to dedicated physical cores.</summary>
    CpuPinning = 1 << 1,
    /// <summary>Graceful (ACPI) shutdown.</summary>
    AcpiShutdown = 1 << 2,
    /// <summary>Park and unpark: save memory to disk and restore it (managed save).</summary>
    ManagedSave = 1 << 3,
    /// <summary>Recovery points while the VM runs (with <see cref="RecoveryPoints"/>).</summary>
    LiveRecoveryPoints = 1 << 4,
    /// <summary>Live migration between nodes.</summary>
    LiveMigration = 1 << 5,
    /// <summary>Pushes domain state changes (<see cref="IHypervisorAdapter.WatchDomainEventsAsync"/>).</summary>
    DomainEvents = 1 << 6,
    /// <summary>Pause and resume.</summary>
    Pause = 1 << 7,
    /// <summary>Hard reset without shutting down.</summary>
    Reset = 1 << 8,
    /// <summary>Graceful (ACPI) restart.</summary>
    Reboot = 1 << 9,
    /// <summary>vCPUs added or removed while the VM runs, up to its maximum.</summary>
    LiveVcpuChange = 1 << 10,
    /// <summary>Memory changed while the VM runs, up to its maximum (balloon).</summary>
    LiveMemoryChange = 1 << 11,
    /// <summary>Recovery points of a stopped VM: create, list, revert, delete.</summary>
    RecoveryPoints = 1 << 12,
    /// <summary>IP addresses of a running VM from the hypervisor's sources.</summary>
    InterfaceAddresses = 1 << 13,
    /// <summary>Disk images grown in place.</summary>
    DiskGrow = 1 << 14,
    /// <summary>An ISO attached, swapped or detached.</summary>
    CdromChange = 1 << 15,
    /// <summary>The domain's screen, keyboard and mouse over RFB (VNC), through <see cref="IHypervisorAdapter.OpenConsoleAsync"/>.</summary>
    GraphicalConsole = 1 << 16,
    /// <summary>The domain's first serial port as a byte stream, through <see cref="IHypervisorAdapter.OpenSerialConsoleAsync"/>.</summary>
    SerialConsole = 1 << 17,
    /// <summary>Delivers <see cref="DomainSpec.CloudInit"/> to the guest as a NoCloud seed.</summary>
    CloudInitSeed = 1 << 18,
    /// <summary>A disk exported as a qcow2 or raw file and read back in pieces, through <see cref="IHypervisorAdapter.ExportDiskAsync"/>.</summary>
    DiskExport = 1 << 19,
    /// <summary>What the node and its domains use, read in one call through <see cref="IHypervisorAdapter.SampleUsageAsync"/>.</summary>
    UsageSampling = 1 << 20,
    /// <summary>
    /// The usage <see cref="IHypervisorAdapter.SampleUsageAsync"/> reports is made up (plausible and repeatable, for a
    /// simulated node), not measured: graphs of it show how the portal works, not what a guest did.
    /// </summary>
    SimulatedUsage = 1 << 21,
}

public enum AdapterErrorCode
{
    Unknown = 0,
    /// <summary>The hypervisor could not be reached.</summary>
    ConnectionFailed,
    /// <summary>No domain with that id on this node.</summary>
    DomainNotFound,
    /// <summary>A different domain already uses that name or id.</summary>
    DomainConflict,
    /// <summary>The operation does not fit the domain's current state.</summary>
    InvalidState,
    /// <summary>The node lacks cores, memory or storage.</summary>
    InsufficientResources,
    /// <summary>The adapter or hypervisor cannot do this.</summary>
    NotSupported,
    /// <summary>The spec was refused.</summary>
    InvalidSpec,
    /// <summary>The hypervisor failed the operation.</summary>
    OperationFailed,
    /// <summary>No recovery point with that name for the domain.</summary>
    RecoveryPointNotFound,
    /// <summary>No disk export with that id for the domain.</summary>
    DiskExportNotFound,
}

/// <summary>A failure reported by an adapter, with the hypervisor's own code and message where it has one.</summary>
public sealed class HypervisorAdapterException : Exception
{
    public HypervisorAdapterException(AdapterErrorCode code, string message, string? nativeCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        NativeCode = nativeCode;
    }

    public AdapterErrorCode Code { get; }

    /// <summary>The hypervisor's own error identification, e.g. "VIR_ERR_NO_DOMAIN (42)".</summary>
    public string? NativeCode { get; }
}
