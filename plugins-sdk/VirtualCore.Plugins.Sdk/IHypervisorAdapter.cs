namespace VirtualCore.Plugins.Sdk;

/// <summary>
/// One connection to one rack server's hypervisor. Version 1 of the adapter contract (1.1 adds the members
/// after <see cref="UndefineDomainAsync"/>; 1.2 adds unparking onto other cores, with a default implementation; 1.3 adds the graphical and the serial console, with
/// default implementations that declare them unsupported; 1.4 adds <see cref="DomainSpec.CloudInit"/>, which an adapter
/// without <see cref="AdapterCapabilities.CloudInitSeed"/> refuses as <see cref="AdapterErrorCode.NotSupported"/>; 1.5 adds disk
/// exports, with default implementations that declare them unsupported, and a definition that reports its progress; 1.6 adds
/// <see cref="SampleUsageAsync"/>, whose default declares it unsupported).
/// Every mutating call is idempotent unless its documentation says otherwise: asking for a state the domain
/// already has succeeds and does nothing. Failures are reported as <see cref="HypervisorAdapterException"/>
/// with an <see cref="AdapterErrorCode"/>; an unknown domain id is <see cref="AdapterErrorCode.DomainNotFound"/>.
/// A member guarded by an <see cref="AdapterCapabilities"/> flag the adapter does not declare throws
/// <see cref="AdapterErrorCode.NotSupported"/>.
/// </summary>
public interface IHypervisorAdapter : IAsyncDisposable
{
    /// <summary>What this adapter can do on this node; known after <see cref="ConnectAsync"/>.</summary>
    AdapterCapabilities Capabilities { get; }

    Task ConnectAsync(CancellationToken cancellationToken);

    Task<NodeCapacity> GetNodeCapacityAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<DomainInfo>> ListDomainsAsync(CancellationToken cancellationToken);

    /// <summary>Defines (persistently) a domain. Defining the same <see cref="DomainSpec.Id"/> again returns the existing domain.</summary>
    Task<DomainInfo> DefineDomainAsync(DomainSpec spec, CancellationToken cancellationToken);

    /// <summary>
    /// Defines the domain as <see cref="DefineDomainAsync(DomainSpec, CancellationToken)"/> does, reporting in percent
    /// how far making its disks from disk images (<see cref="DiskSpec.SourceImagePath"/>) has come: the long part of
    /// such a definition. Since SDK 1.5; the default reports nothing.
    /// </summary>
    Task<DomainInfo> DefineDomainAsync(DomainSpec spec, IProgress<int>? progress, CancellationToken cancellationToken) =>
        DefineDomainAsync(spec, cancellationToken);

    /// <summary>Starts a shut-off domain; a running one is left alone. A parked domain resumes from its saved memory.</summary>
    Task StartDomainAsync(Guid domainId, CancellationToken cancellationToken);

    /// <summary>Asks the guest to shut down (ACPI). Returns once the request was delivered; the guest may take a while.</summary>
    Task ShutdownDomainAsync(Guid domainId, CancellationToken cancellationToken);

    /// <summary>Cuts the power at once.</summary>
    Task PowerOffDomainAsync(Guid domainId, CancellationToken cancellationToken);

    Task<DomainState> GetDomainStateAsync(Guid domainId, CancellationToken cancellationToken);

    /// <summary>Removes the domain's definition (it must not be running). Removing an unknown domain succeeds.</summary>
    Task UndefineDomainAsync(Guid domainId, CancellationToken cancellationToken);

    /// <summary>
    /// Asks the guest to restart (ACPI). Needs <see cref="AdapterCapabilities.Reboot"/> and a running domain,
    /// otherwise <see cref="AdapterErrorCode.InvalidState"/>. Not idempotent by nature: each call asks again, so
    /// callers de-duplicate by job id.
    /// </summary>
    Task RebootDomainAsync(Guid domainId, CancellationToken cancellationToken);

    /// <summary>
    /// Presses the reset button: the guest restarts at once without shutting down. Needs
    /// <see cref="AdapterCapabilities.Reset"/> and a running domain; like a reboot, every call resets again.
    /// </summary>
    Task ResetDomainAsync(Guid domainId, CancellationToken cancellationToken);

    /// <summary>
    /// Freezes the vCPUs; memory stays allocated. Needs <see cref="AdapterCapabilities.Pause"/>. A paused domain
    /// stays paused; a domain that is not running is <see cref="AdapterErrorCode.InvalidState"/>.
    /// </summary>
    Task PauseDomainAsync(Guid domainId, CancellationToken cancellationToken);

    /// <summary>Lets a paused domain run on. Needs <see cref="AdapterCapabilities.Pause"/>. A running domain is left alone.</summary>
    Task ResumeDomainAsync(Guid domainId, CancellationToken cancellationToken);

    /// <summary>
    /// Parks the domain: its memory is saved to disk and it holds no CPU or RAM on the node until unparked; its
    /// state becomes <see cref="DomainState.Parked"/>. Needs <see cref="AdapterCapabilities.ManagedSave"/>.
    /// A parked domain stays parked; a shut-off one is <see cref="AdapterErrorCode.InvalidState"/>.
    /// </summary>
    Task ParkDomainAsync(Guid domainId, CancellationToken cancellationToken);

    /// <summary>
    /// Brings a parked domain back exactly where it was parked. Needs <see cref="AdapterCapabilities.ManagedSave"/>.
    /// A running domain is left alone; a shut-off domain without saved memory is <see cref="AdapterErrorCode.InvalidState"/>.
    /// </summary>
    Task UnparkDomainAsync(Guid domainId, CancellationToken cancellationToken);

    /// <summary>
    /// Brings a parked domain back like <see cref="UnparkDomainAsync(Guid, CancellationToken)"/>, with vCPU <c>i</c>
    /// pinned to <c>pinnedCores[i]</c>, for the restored domain and for its next boots: parked, a domain holds no
    /// cores, so it may come back on others than before. A running domain is re-pinned. Needs
    /// <see cref="AdapterCapabilities.ManagedSave"/> and <see cref="AdapterCapabilities.CpuPinning"/>. Not one distinct,
    /// existing core per vCPU is <see cref="AdapterErrorCode.InvalidSpec"/>, before anything is restored. Since SDK 1.2:
    /// the default restores and then pins through <see cref="UpdateHardwareAsync"/>; an adapter that can pin before
    /// the guest runs again overrides it.
    /// </summary>
    async Task UnparkDomainAsync(Guid domainId, IReadOnlyList<int> pinnedCores, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pinnedCores);
        if (!Capabilities.HasFlag(AdapterCapabilities.ManagedSave | AdapterCapabilities.CpuPinning))
        {
            throw new HypervisorAdapterException(AdapterErrorCode.NotSupported, "This adapter cannot park domains and pin their vCPUs to cores.");
        }

        var domain = (await ListDomainsAsync(cancellationToken).ConfigureAwait(false)).SingleOrDefault(d => d.Id == domainId)
            ?? throw new HypervisorAdapterException(AdapterErrorCode.DomainNotFound, $"No domain {domainId} on this node.");
        if (pinnedCores.Count != domain.VCpus || pinnedCores.Distinct().Count() != pinnedCores.Count || pinnedCores.Any(core => core < 0))
        {
            throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, $"Give one distinct core for each of the {domain.VCpus} vCPUs.");
        }

        await UnparkDomainAsync(domainId, cancellationToken).ConfigureAwait(false);
        await UpdateHardwareAsync(domainId, new HardwareChange { VCpus = domain.VCpus, PinnedCores = pinnedCores }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Changes the domain's hardware. Each item of the result says whether it applied to the running domain or
    /// takes effect at its next boot. vCPUs, memory, boot order, disk bus and NIC model can always be changed for
    /// the next boot; live vCPU and memory changes need <see cref="AdapterCapabilities.LiveVcpuChange"/> and
    /// <see cref="AdapterCapabilities.LiveMemoryChange"/>, disk growth <see cref="AdapterCapabilities.DiskGrow"/>,
    /// the CD-ROM <see cref="AdapterCapabilities.CdromChange"/>. A parked domain is <see cref="AdapterErrorCode.InvalidState"/>
    /// (its saved memory belongs to the old hardware). Repeating a change returns the same result and changes nothing more.
    /// </summary>
    Task<HardwareChangeResult> UpdateHardwareAsync(Guid domainId, HardwareChange change, CancellationToken cancellationToken);

    /// <summary>
    /// Records the domain's disks (and memory, when it runs) under <paramref name="name"/>. Needs
    /// <see cref="AdapterCapabilities.RecoveryPoints"/>; while the domain runs also <see cref="AdapterCapabilities.LiveRecoveryPoints"/>.
    /// Creating a name that exists returns the existing recovery point.
    /// </summary>
    /// <param name="domainId">The domain.</param>
    /// <param name="name">1 to 64 letters, digits, '-', '_' or '.'; unique per domain.</param>
    /// <param name="note">The customer's note, or null.</param>
    /// <param name="cancellationToken">Cancels waiting for the adapter, not the hypervisor's work once begun.</param>
    Task<RecoveryPoint> CreateRecoveryPointAsync(Guid domainId, string name, string? note, CancellationToken cancellationToken);

    /// <summary>The domain's recovery points, oldest first. Needs <see cref="AdapterCapabilities.RecoveryPoints"/>.</summary>
    Task<IReadOnlyList<RecoveryPoint>> ListRecoveryPointsAsync(Guid domainId, CancellationToken cancellationToken);

    /// <summary>
    /// Returns the domain to the recovery point: disks, and memory and run state if it was taken live. Needs
    /// <see cref="AdapterCapabilities.RecoveryPoints"/>; an unknown name is <see cref="AdapterErrorCode.RecoveryPointNotFound"/>.
    /// </summary>
    Task RevertToRecoveryPointAsync(Guid domainId, string name, CancellationToken cancellationToken);

    /// <summary>Deletes the recovery point; deleting an unknown one succeeds. Needs <see cref="AdapterCapabilities.RecoveryPoints"/>.</summary>
    Task DeleteRecoveryPointAsync(Guid domainId, string name, CancellationToken cancellationToken);

    /// <summary>
    /// The domain's IP addresses as the hypervisor knows them (DHCP lease, ARP table, guest agent), each address
    /// once, from the first source that knows it. Empty while the domain is not running. Needs
    /// <see cref="AdapterCapabilities.InterfaceAddresses"/>.
    /// </summary>
    Task<IReadOnlyList<InterfaceAddress>> GetInterfaceAddressesAsync(Guid domainId, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the domain whatever its state: powers it off, removes saved memory, recovery points and the
    /// definition, and with <paramref name="deleteStorage"/> its disk images. Deleting an unknown domain succeeds.
    /// </summary>
    Task DeleteDomainAsync(Guid domainId, bool deleteStorage, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the running domain to another node without stopping it. Needs <see cref="AdapterCapabilities.LiveMigration"/>.
    /// Not idempotent: once the domain has left, this node reports <see cref="AdapterErrorCode.DomainNotFound"/>.
    /// </summary>
    Task<MigrationResult> MigrateDomainAsync(Guid domainId, MigrationTarget target, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken);

    /// <summary>
    /// Changes of domains on this node as they happen, including those made outside the portal, until
    /// <paramref name="cancellationToken"/> is cancelled or the adapter is disposed. Needs <see cref="AdapterCapabilities.DomainEvents"/>;
    /// without it the enumeration throws <see cref="AdapterErrorCode.NotSupported"/> and callers poll instead.
    /// </summary>
    IAsyncEnumerable<DomainEvent> WatchDomainEventsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Connects to the running domain's screen, keyboard and mouse: a stream speaking RFB (the VNC protocol, version
    /// 3.8) from its first byte, with no authentication left to do — the caller has already decided who may see the
    /// screen, and the stream must never be reachable by anyone else (no listening port). Disposing the stream ends
    /// the connection. Needs <see cref="AdapterCapabilities.GraphicalConsole"/>; a domain that is not running or
    /// paused is <see cref="AdapterErrorCode.InvalidState"/>. Since SDK 1.3; the default declares it unsupported.
    /// </summary>
    Task<Stream> OpenConsoleAsync(Guid domainId, CancellationToken cancellationToken) =>
        throw new HypervisorAdapterException(AdapterErrorCode.NotSupported, "This adapter offers no graphical console.");

    /// <summary>
    /// Connects to the running domain's first serial port: what the guest writes there is read from the stream, what
    /// is written to the stream the guest reads, as raw bytes (a terminal's). Another client of the same port is
    /// disconnected. Disposing the stream ends the connection. Needs <see cref="AdapterCapabilities.SerialConsole"/>; a
    /// domain that is not running or paused is <see cref="AdapterErrorCode.InvalidState"/>. Since SDK 1.3; the default
    /// declares it unsupported.
    /// </summary>
    Task<Stream> OpenSerialConsoleAsync(Guid domainId, CancellationToken cancellationToken) =>
        throw new HypervisorAdapterException(AdapterErrorCode.NotSupported, "This adapter offers no serial console.");

    /// <summary>
    /// Writes the domain's first disk, as it is now or as <see cref="DiskExportRequest.RecoveryPoint"/> holds it, to an
    /// export file on the node in the requested format, and returns its length. Exporting the disk as it is now needs
    /// the domain shut off (<see cref="AdapterErrorCode.InvalidState"/> otherwise); an unknown recovery point is
    /// <see cref="AdapterErrorCode.RecoveryPointNotFound"/>. Idempotent by <see cref="DiskExportRequest.ExportId"/>: an
    /// export already made is returned as it is; one left half-written by a crash is made again. Reports progress in
    /// percent where it can. Needs <see cref="AdapterCapabilities.DiskExport"/>. Since SDK 1.5; the default declares it
    /// unsupported.
    /// </summary>
    Task<DiskExportInfo> ExportDiskAsync(Guid domainId, DiskExportRequest request, IProgress<int>? progress, CancellationToken cancellationToken) =>
        throw new HypervisorAdapterException(AdapterErrorCode.NotSupported, "This adapter cannot export disks.");

    /// <summary>
    /// Reads an export made by <see cref="ExportDiskAsync"/> from byte <paramref name="offset"/> to its end; the caller
    /// reads as much as it needs and disposes the stream. An unknown export is <see cref="AdapterErrorCode.DiskExportNotFound"/>;
    /// an offset beyond its end is <see cref="AdapterErrorCode.InvalidSpec"/>. Needs <see cref="AdapterCapabilities.DiskExport"/>.
    /// Since SDK 1.5.
    /// </summary>
    Task<Stream> OpenDiskExportAsync(Guid domainId, Guid exportId, long offset, CancellationToken cancellationToken) =>
        throw new HypervisorAdapterException(AdapterErrorCode.NotSupported, "This adapter cannot export disks.");

    /// <summary>
    /// Deletes an export's file; an export that is not there is already deleted. Deleting a domain with its storage
    /// deletes its exports too. Needs <see cref="AdapterCapabilities.DiskExport"/>. Since SDK 1.5.
    /// </summary>
    Task DeleteDiskExportAsync(Guid domainId, Guid exportId, CancellationToken cancellationToken) =>
        throw new HypervisorAdapterException(AdapterErrorCode.NotSupported, "This adapter cannot export disks.");

    /// <summary>
    /// Reads what the node and each of its running or paused domains have used so far, in one call for the whole node
    /// (not one per domain: it is called every few seconds on nodes with hundreds of domains). Needs
    /// <see cref="AdapterCapabilities.UsageSampling"/>; an adapter that makes the figures up declares
    /// <see cref="AdapterCapabilities.SimulatedUsage"/> as well. Since SDK 1.6; the default declares it unsupported.
    /// </summary>
    Task<UsageSample> SampleUsageAsync(CancellationToken cancellationToken) =>
        throw new HypervisorAdapterException(AdapterErrorCode.NotSupported, "This adapter cannot report usage.");
}
