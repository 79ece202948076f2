using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>
/// <see cref="IHypervisorAdapter"/> over one libvirt connection (QEMU/KVM, or the test driver for simulated rack servers).
/// Calls are serialised: each runs its whole sequence of libvirt calls on one thread-pool thread, so libvirt's
/// thread-local error always belongs to the call that just failed.
/// </summary>
/// <remarks>
/// Settings: <c>domainType</c> ("kvm" or "qemu", default "qemu"; QEMU only) and <c>persistTestDriverState</c>
/// ("true" to write the domains back into the host description of a <c>test:///absolute/path.xml</c> URI after
/// every change, so the simulated rack server keeps them across restarts). Two adapters on one file in one
/// process each see a private copy of it; give every simulated rack server its own file and adapter.
/// </remarks>
public sealed partial class LibvirtAdapter : IHypervisorAdapter
{
    /// <summary>Setting: libvirt domain type for QEMU nodes, "kvm" (hardware virtualisation) or "qemu" (emulation).</summary>
    public const string DomainTypeSetting = "domainType";

    /// <summary>
    /// Settings <c>simulatedSockets</c>, <c>simulatedCoresPerSocket</c>, <c>simulatedMemoryGiB</c>: for a
    /// <c>test:///path</c> node whose host description does not exist yet, write one with this topology first.
    /// </summary>
    public const string SimulatedSocketsSetting = "simulatedSockets";

    public const string SimulatedCoresPerSocketSetting = "simulatedCoresPerSocket";

    public const string SimulatedMemoryGiBSetting = "simulatedMemoryGiB";

    /// <summary>Setting: "true" to keep a test-driver node's domains in its host description file.</summary>
    public const string PersistTestDriverStateSetting = "persistTestDriverState";

    // Every libvirt call this adapter makes exists since 4.1.0 (virStoragePoolLookupByTargetPath is the youngest); an
    // older library would fail mid-operation on a missing symbol.
    private static readonly Version MinimumLibraryVersion = new(4, 1, 0);

    private readonly NodeConnectionOptions options;
    private readonly string qemuDomainType;
    private readonly bool persistTestDriverState;
    private readonly SemaphoreSlim gate = new(1, 1);
    private LibvirtConnection? connection;
    private string domainType = string.Empty;
    private string? nodeFile;
    private long journalGeneration;
    private int journalRecords;
    private int domainsAtCompaction;
    private bool disposed;

    public LibvirtAdapter(NodeConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Uri);
        this.options = options;

        qemuDomainType = options.Settings.GetValueOrDefault(DomainTypeSetting, "qemu");
        if (qemuDomainType is not ("kvm" or "qemu"))
        {
            throw new ArgumentException($"The setting '{DomainTypeSetting}' must be \"kvm\" or \"qemu\", not \"{qemuDomainType}\".", nameof(options));
        }

        var persist = options.Settings.GetValueOrDefault(PersistTestDriverStateSetting, "false");
        persistTestDriverState = bool.TryParse(persist, out var value)
            ? value
            : throw new ArgumentException($"The setting '{PersistTestDriverStateSetting}' must be \"true\" or \"false\".", nameof(options));
    }

    public AdapterCapabilities Capabilities { get; private set; }

    /// <summary>
    /// The libvirt name of the domain of VM <paramref name="id"/>. Names on a node are unique, so they come from the
    /// id alone: a name a customer chose could clash with another tenant's and tell one about the other. The
    /// customer's name is the domain's title (<c>virsh list --title</c>).
    /// </summary>
    public static string DomainNameOf(Guid id) => "vm-" + id.ToString("N");

    /// <summary>The libvirt library's version, known after <see cref="ConnectAsync"/>.</summary>
    internal Version? LibraryVersion { get; private set; }

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (connection is not null)
            {
                return;
            }

            CreateSimulatedHostIfMissing();
            if (persistTestDriverState)
            {
                var path = TestDriverFilePath(options.Uri, "test");
                journalGeneration = File.Exists(path) ? TestDriverNodeFile.FoldJournal(path) : 0;
                journalRecords = 0;
                TestDriverNodeFile.NameDomainsById(path);
            }

            connection = await Task.Run(Open, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    public Task<NodeCapacity> GetNodeCapacityAsync(CancellationToken cancellationToken) =>
        RunAsync(c => c.GetNodeCapacity(), mutates: false, cancellationToken);

    public Task<IReadOnlyList<DomainInfo>> ListDomainsAsync(CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<DomainInfo>>(c => ReadAll(c, LibvirtDomain.GetInfo), mutates: false, cancellationToken);

    public Task<DomainInfo> DefineDomainAsync(DomainSpec spec, CancellationToken cancellationToken) => DefineDomainAsync(spec, null, cancellationToken);

    public async Task<DomainInfo> DefineDomainAsync(DomainSpec spec, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var converted = await ConvertImagesAsync(spec, progress, cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunAsync(c => Define(c, spec, domainType), mutates: true, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            converted.ForEach(File.Delete);
            throw;
        }
    }

    public Task StartDomainAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunAsync(
            c =>
            {
                using var domain = c.GetDomain(domainId);
                var state = LibvirtDomain.GetState(domain);
                if (state is not (DomainState.Running or DomainState.Blocked))
                {
                    if (state == DomainState.ShutOff)
                    {
                        NameById(domain, domainId);
                    }

                    LibvirtDomain.Start(domain, domainId);
                }
            },
            cancellationToken);

    public Task ShutdownDomainAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunAsync(
            c =>
            {
                using var domain = c.GetDomain(domainId);
                if (LibvirtDomain.GetState(domain) is not (DomainState.ShutOff or DomainState.ShuttingDown))
                {
                    LibvirtDomain.Shutdown(domain, domainId);
                }
            },
            cancellationToken);

    public Task PowerOffDomainAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunAsync(
            c =>
            {
                using var domain = c.GetDomain(domainId);
                if (LibvirtDomain.GetState(domain) != DomainState.ShutOff)
                {
                    LibvirtDomain.PowerOff(domain, domainId);
                }
            },
            cancellationToken);

    public Task<DomainState> GetDomainStateAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunAsync(
            c =>
            {
                using var domain = c.GetDomain(domainId);
                return LibvirtDomain.GetState(domain);
            },
            mutates: false,
            cancellationToken);

    public Task UndefineDomainAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunAsync(
            c =>
            {
                using var domain = c.FindDomain(domainId);
                if (domain is null)
                {
                    return;
                }

                // libvirt would turn a running domain into a transient one; the portal wants it stopped first.
                var state = LibvirtDomain.GetState(domain);
                if (state != DomainState.ShutOff)
                {
                    throw new HypervisorAdapterException(
                        AdapterErrorCode.InvalidState, $"Domain {domainId} is {state}; power it off before removing it.");
                }

                LibvirtDomain.Undefine(domain, domainId);
            },
            cancellationToken);

    public async ValueTask DisposeAsync()
    {
        // Waits for a call in flight, so the connection is never closed under it.
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            CompleteWatchers();

            // A clean stop writes the node file whole, so the next start has no journal to read.
            if (connection is not null && nodeFile is not null && journalRecords > 0)
            {
                await Task.Run(() => Compact(connection, nodeFile), CancellationToken.None).ConfigureAwait(false);
            }

            connection?.Dispose();
            connection = null;
        }
        finally
        {
            gate.Release();
        }
    }

    private static DomainInfo Define(LibvirtConnection c, DomainSpec spec, string domainType)
    {
        var xml = DomainXmlBuilder.Build(spec, domainType);
        using (var existing = c.FindDomain(spec.Id))
        {
            if (existing is not null)
            {
                var info = LibvirtDomain.GetInfo(existing);
                if (info.Name != spec.Name)
                {
                    throw new HypervisorAdapterException(
                        AdapterErrorCode.DomainConflict, $"Domain {spec.Id} already exists under the name '{info.Name}', not '{spec.Name}'.");
                }

                if (info.State == DomainState.ShutOff)
                {
                    NameById(existing, spec.Id);
                }

                return info;
            }
        }

        // Only a domain defined outside the portal can hold the name; which one it is stays unsaid (it may be anyone's).
        using (var sameName = c.FindDomainByName(DomainNameOf(spec.Id)))
        {
            if (sameName is not null)
            {
                throw new HypervisorAdapterException(
                    AdapterErrorCode.DomainConflict, $"The name {DomainNameOf(spec.Id)} that domain {spec.Id} needs is taken by another domain.");
            }
        }

        // libvirt accepts a pin to a CPU the node lacks (the vCPU is then left without affinity), so check here.
        var cores = c.GetNodeCapacity().PhysicalCores;
        if (spec.PinnedCores.Any(core => core >= cores))
        {
            throw new HypervisorAdapterException(
                AdapterErrorCode.InvalidSpec, $"The node has cores 0 to {cores - 1}; cannot pin to {string.Join(", ", spec.PinnedCores.Where(core => core >= cores))}.");
        }

        // The test driver's disks are simulated; a QEMU node needs every image to exist before the domain can start.
        var created = domainType == "test" ? [] : CreateMissingDisks(c, spec);
        try
        {
            // The test driver's seed is simulated like its disks: the definition names it, no file holds it.
            if (domainType != "test" && DomainXmlBuilder.SeedPath(spec) is { } seed)
            {
                created.Add(CreateSeed(c, spec, seed));
            }

            using var defined = c.DefineDomain(xml, $"domain {spec.Id} ('{spec.Name}')");
            return LibvirtDomain.GetInfo(defined);
        }
        catch
        {
            DeleteCreatedDisks(c, created);
            throw;
        }
    }

    /// <summary>
    /// Gives a shut-off domain from an older version, named by its customer's name, its id name and keeps the old name
    /// as its title. Where libvirt refuses (QEMU renames no domain with recovery points or a managed save) the domain keeps
    /// its old name harmlessly: every lookup is by UUID, and no new domain is ever named by a customer's name again.
    /// A running domain is renamed when it next starts from shut off, or on the target when it migrates.
    /// </summary>
    private static void NameById(DomainHandle domain, Guid id)
    {
        var name = LibvirtDomain.GetName(domain);
        var idName = DomainNameOf(id);
        if (name == idName)
        {
            return;
        }

        try
        {
            if (LibvirtDomain.GetTitle(domain, id) is null)
            {
                LibvirtDomain.SetTitle(domain, name, id);
            }

            LibvirtDomain.Rename(domain, idName, id);
        }
        catch (HypervisorAdapterException)
        {
            // The old name still works: see above.
        }
    }

    private static List<T> ReadAll<T>(LibvirtConnection c, Func<DomainHandle, T> read)
    {
        var domains = c.ListAllDomains();
        try
        {
            return domains.Select(read).ToList();
        }
        finally
        {
            foreach (var domain in domains)
            {
                domain.Dispose();
            }
        }
    }

    private LibvirtConnection Open()
    {
        var opened = LibvirtConnection.Open(options.Uri);
        try
        {
            var version = opened.GetLibraryVersion();
            if (version < MinimumLibraryVersion)
            {
                throw new HypervisorAdapterException(
                    AdapterErrorCode.NotSupported, $"libvirt {version} is too old; {MinimumLibraryVersion} or newer is needed.");
            }

            var driver = opened.GetDriverName();
            domainType = driver.ToUpperInvariant() switch
            {
                "TEST" => "test",
                "QEMU" => qemuDomainType,
                _ => throw new HypervisorAdapterException(
                    AdapterErrorCode.NotSupported, $"The libvirt driver '{driver}' at {options.Uri} is not one this adapter manages (QEMU or test)."),
            };

            nodeFile = persistTestDriverState ? TestDriverFilePath(options.Uri, domainType) : null;
            LibraryVersion = version;

            Capabilities = CapabilitiesOf(domainType);
            return opened;
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What this adapter does on each driver. The test driver simulates every call it declares (its console is a
    /// <see cref="SimulatedScreen"/>); it has no block
    /// resize (so no disk growth) and no migration. On QEMU, vCPUs change at the next boot only: the domains are
    /// defined with as many vCPUs as they have, none of them hot-pluggable, so QEMU can neither add nor remove one
    /// while the guest runs (removing one would also need the guest's consent).
    /// </summary>
    internal static AdapterCapabilities CapabilitiesOf(string domainType)
    {
        const AdapterCapabilities both =
            AdapterCapabilities.NodeCapacity | AdapterCapabilities.CpuPinning | AdapterCapabilities.AcpiShutdown
            | AdapterCapabilities.ManagedSave | AdapterCapabilities.Pause | AdapterCapabilities.Reset | AdapterCapabilities.Reboot
            | AdapterCapabilities.LiveMemoryChange
            | AdapterCapabilities.RecoveryPoints | AdapterCapabilities.LiveRecoveryPoints
            | AdapterCapabilities.InterfaceAddresses | AdapterCapabilities.CdromChange | AdapterCapabilities.DomainEvents
            | AdapterCapabilities.GraphicalConsole | AdapterCapabilities.SerialConsole | AdapterCapabilities.CloudInitSeed
            | AdapterCapabilities.DiskExport | AdapterCapabilities.UsageSampling;
        return domainType == "test"
            ? both | AdapterCapabilities.LiveVcpuChange | AdapterCapabilities.SimulatedUsage
            : both | AdapterCapabilities.DiskGrow | AdapterCapabilities.LiveMigration;
    }

    private void CreateSimulatedHostIfMissing()
    {
        if (!options.Settings.TryGetValue(SimulatedSocketsSetting, out var sockets))
        {
            return;
        }

        var path = TestDriverFilePath(options.Uri, "test");
        if (File.Exists(path))
        {
            return;
        }

        static int Number(string? value, string setting) =>
            int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, $"The setting '{setting}' must be a positive whole number.");

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        TestDriverNodeFile.Write(
            path,
            options.NodeName,
            Number(sockets, SimulatedSocketsSetting),
            Number(options.Settings.GetValueOrDefault(SimulatedCoresPerSocketSetting), SimulatedCoresPerSocketSetting),
            1,
            Number(options.Settings.GetValueOrDefault(SimulatedMemoryGiBSetting), SimulatedMemoryGiBSetting) * (1L << 30));
    }

    private static string TestDriverFilePath(string uri, string domainType)
    {
        const string prefix = "test://";
        var path = uri.StartsWith(prefix, StringComparison.Ordinal) ? Uri.UnescapeDataString(uri[prefix.Length..].Split('?')[0]) : string.Empty;
        if (domainType != "test" || !path.StartsWith('/') || path == "/default")
        {
            throw new HypervisorAdapterException(
                AdapterErrorCode.NotSupported, $"'{PersistTestDriverStateSetting}' needs a test:///absolute/path URI, not {uri}.");
        }

        return path;
    }

    private Task<object?> RunAsync(Action<LibvirtConnection> operation, CancellationToken cancellationToken) =>
        RunAsync<object?>(
            c =>
            {
                operation(c);
                return null;
            },
            mutates: true,
            cancellationToken);

    private async Task<T> RunAsync<T>(Func<LibvirtConnection, T> operation, bool mutates, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var c = connection ?? throw new InvalidOperationException("Call ConnectAsync before using the adapter.");
            return await Task.Run(
                () =>
                {
                    if (!mutates || nodeFile is null)
                    {
                        return operation(c);
                    }

                    c.Touched = [];
                    T result;
                    HashSet<Guid> touched;
                    try
                    {
                        result = operation(c);
                    }
                    finally
                    {
                        touched = c.Touched;
                        c.Touched = null;
                    }

                    Persist(c, nodeFile, touched);
                    return result;
                },
                CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Keeps what a call changed on a simulated rack server: the domains it worked on go to the node file's journal,
    /// flushed before the call returns; a call that named no domain, or a journal grown past the node's size, writes
    /// the whole file instead (its next generation) and starts a new journal.
    /// </summary>
    private void Persist(LibvirtConnection c, string path, HashSet<Guid> touched)
    {
        if (touched.Count == 0 || journalRecords + touched.Count > Math.Max(CompactAfterRecords, domainsAtCompaction))
        {
            Compact(c, path);
            return;
        }

        TestDriverNodeFile.AppendJournal(path, journalGeneration, touched.Select(id =>
        {
            using var domain = c.FindDomain(id);
            return (id, domain is null ? null : Saved(domain));
        }).ToList());
        journalRecords += touched.Count;
    }

    // Below this many journal lines the journal is kept even on a node with few domains: writing the file whole each
    // time is what the journal saves.
    private const int CompactAfterRecords = 256;

    private void Compact(LibvirtConnection c, string path)
    {
        var previous = journalGeneration;
        var domains = ReadAll(c, Saved);
        TestDriverNodeFile.ReplaceDomains(path, domains, previous + 1);
        domainsAtCompaction = domains.Count;
        journalGeneration = previous + 1;
        journalRecords = 0;

        // The file now holds everything the old journal did; a crash before this delete leaves a journal of an older
        // generation, which the next open ignores.
        File.Delete(TestDriverNodeFile.JournalPath(path, previous));
    }

    private static TestDriverDomain Saved(DomainHandle d)
    {
        var snapshots = LibvirtDomain.ListSnapshots(d, LibvirtDomain.GetId(d));
        try
        {
            return new TestDriverDomain(
                LibvirtDomain.GetXml(d, LibvirtNative.DomainXmlInactive | LibvirtNative.DomainXmlSecure),
                LibvirtDomain.GetNativeState(d),
                LibvirtDomain.HasManagedSave(d),
                snapshots.Select(s => (LibvirtDomain.GetSnapshotXml(s), LibvirtDomain.IsCurrentSnapshot(s))).ToList());
        }
        finally
        {
            snapshots.ForEach(s => s.Dispose());
        }
    }

    private void Require(AdapterCapabilities capability, string what)
    {
        if (!Capabilities.HasFlag(capability))
        {
            throw new HypervisorAdapterException(
                AdapterErrorCode.NotSupported, $"The libvirt adapter cannot {what} on the {domainType} driver ({capability} is not declared).");
        }
    }

    private static HypervisorAdapterException WrongState(Guid id, DomainState state, string what) =>
        new(AdapterErrorCode.InvalidState, $"Domain {id} is {state}; cannot {what}.");
}
