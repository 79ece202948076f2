using System.Collections.Concurrent;
using VirtualCore.Plugins.Sdk;

namespace Acme.Adapter;

/// <summary>
/// One connection to one rack server. This starting point keeps the node's domains in memory (<see cref="StandInNode"/>),
/// so the project builds, passes the conformance suite and loads into a node agent before it talks to a hypervisor.
/// Replace each <see cref="StandInNode"/> call with your hypervisor's, keep the rules the suite checks (idempotent
/// calls, <see cref="HypervisorAdapterException"/> with the right <see cref="AdapterErrorCode"/>), and declare a
/// capability in <see cref="Capabilities"/> only once its conformance tests pass against a real node.
/// </summary>
public sealed class Adapter : IHypervisorAdapter
{
    private const long MinimumMemoryBytes = 16L * 1024 * 1024;

    private readonly NodeConnectionOptions options;
    private StandInNode? node;

    public Adapter(NodeConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
    }

    /// <summary>
    /// The core every adapter has, and graceful shutdown. Each further flag (pause, recovery points, consoles, live
    /// migration…) makes the portal offer that group of operations on this node.
    /// </summary>
    public AdapterCapabilities Capabilities => AdapterCapabilities.NodeCapacity | AdapterCapabilities.AcpiShutdown;

    private StandInNode Node => node ?? throw new HypervisorAdapterException(AdapterErrorCode.ConnectionFailed, "Connect first.");

    public Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Uri))
        {
            throw new HypervisorAdapterException(AdapterErrorCode.ConnectionFailed, $"No address for rack server '{options.NodeName}': set --NodeAgent:Uri.");
        }

        node = StandInNode.For(options.Uri);
        return Task.CompletedTask;
    }

    public Task<NodeCapacity> GetNodeCapacityAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new NodeCapacity(Sockets: 1, CoresPerSocket: 8, ThreadsPerCore: 1, MemoryBytes: 32L << 30, CpuModel: "stand-in"));

    public Task<IReadOnlyList<DomainInfo>> ListDomainsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<DomainInfo>>(Node.Domains.Values.Select(d => d.Info).OrderBy(d => d.Name, StringComparer.Ordinal).ToList());

    public Task<DomainInfo> DefineDomainAsync(DomainSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.CloudInit is not null)
        {
            throw NotSupported("cloud-init seeds");
        }

        if (string.IsNullOrWhiteSpace(spec.Name) || spec.VCpus < 1 || spec.MemoryBytes < MinimumMemoryBytes)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, "A domain needs a name, at least one vCPU and 16 MiB of memory.");
        }

        // Defining the same id again returns the domain as it is; names may repeat across domains.
        var domain = Node.Domains.GetOrAdd(spec.Id, _ => new StandInDomain(spec.Id, spec.Name, spec.VCpus, spec.MemoryBytes));
        return Task.FromResult(domain.Info);
    }

    public Task StartDomainAsync(Guid domainId, CancellationToken cancellationToken)
    {
        Find(domainId).State = DomainState.Running;
        return Task.CompletedTask;
    }

    public Task ShutdownDomainAsync(Guid domainId, CancellationToken cancellationToken)
    {
        // The stand-in's guest obeys the power button at once; a real one takes its time, and the agent waits.
        Find(domainId).State = DomainState.ShutOff;
        return Task.CompletedTask;
    }

    public Task PowerOffDomainAsync(Guid domainId, CancellationToken cancellationToken)
    {
        Find(domainId).State = DomainState.ShutOff;
        return Task.CompletedTask;
    }

    public Task<DomainState> GetDomainStateAsync(Guid domainId, CancellationToken cancellationToken) =>
        Task.FromResult(Find(domainId).State);

    public Task UndefineDomainAsync(Guid domainId, CancellationToken cancellationToken)
    {
        if (Node.Domains.TryGetValue(domainId, out var domain))
        {
            if (domain.State != DomainState.ShutOff)
            {
                throw new HypervisorAdapterException(AdapterErrorCode.InvalidState, $"Domain {domainId} is {domain.State}; power it off first.");
            }

            Node.Domains.TryRemove(domainId, out _);
        }

        return Task.CompletedTask;
    }

    public Task DeleteDomainAsync(Guid domainId, bool deleteStorage, CancellationToken cancellationToken)
    {
        Node.Domains.TryRemove(domainId, out _);
        return Task.CompletedTask;
    }

    public Task<HardwareChangeResult> UpdateHardwareAsync(Guid domainId, HardwareChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var domain = Find(domainId);
        if (change.DiskGrowths.Count != 0)
        {
            throw NotSupported("disk growth");
        }

        if (change.Cdrom is not null)
        {
            throw NotSupported("CD-ROM changes");
        }

        if (change.PinnedCores is not null)
        {
            throw NotSupported("CPU pinning");
        }

        if (change.VCpus is < 1 || change.MemoryBytes is { } memory && memory < MinimumMemoryBytes)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, "A domain needs at least one vCPU and 16 MiB of memory.");
        }

        // Nothing changes live here: every item takes effect at the domain's next boot.
        var items = new List<HardwareChangeItem>();
        if (change.VCpus is { } vcpus)
        {
            domain.VCpus = vcpus;
            items.Add(new HardwareChangeItem(HardwareItem.VCpus, ChangeTiming.NextBoot));
        }

        if (change.MemoryBytes is { } bytes)
        {
            domain.MemoryBytes = bytes;
            items.Add(new HardwareChangeItem(HardwareItem.Memory, ChangeTiming.NextBoot));
        }

        if (change.BootOrder is not null)
        {
            items.Add(new HardwareChangeItem(HardwareItem.BootOrder, ChangeTiming.NextBoot));
        }

        if (change.DiskBus is not null)
        {
            items.Add(new HardwareChangeItem(HardwareItem.DiskBus, ChangeTiming.NextBoot));
        }

        if (change.NicModel is not null)
        {
            items.Add(new HardwareChangeItem(HardwareItem.NicModel, ChangeTiming.NextBoot));
        }

        return Task.FromResult(new HardwareChangeResult(items));
    }

    // ---- Capabilities this adapter does not declare: each answers NotSupported, as the suite checks. ----

    public Task RebootDomainAsync(Guid domainId, CancellationToken cancellationToken) => throw NotSupported("reboot");

    public Task ResetDomainAsync(Guid domainId, CancellationToken cancellationToken) => throw NotSupported("reset");

    public Task PauseDomainAsync(Guid domainId, CancellationToken cancellationToken) => throw NotSupported("pause");

    public Task ResumeDomainAsync(Guid domainId, CancellationToken cancellationToken) => throw NotSupported("resume");

    public Task ParkDomainAsync(Guid domainId, CancellationToken cancellationToken) => throw NotSupported("parking");

    public Task UnparkDomainAsync(Guid domainId, CancellationToken cancellationToken) => throw NotSupported("parking");

    public Task<RecoveryPoint> CreateRecoveryPointAsync(Guid domainId, string name, string? note, CancellationToken cancellationToken) =>
        throw NotSupported("recovery points");

    public Task<IReadOnlyList<RecoveryPoint>> ListRecoveryPointsAsync(Guid domainId, CancellationToken cancellationToken) =>
        throw NotSupported("recovery points");

    public Task RevertToRecoveryPointAsync(Guid domainId, string name, CancellationToken cancellationToken) => throw NotSupported("recovery points");

    public Task DeleteRecoveryPointAsync(Guid domainId, string name, CancellationToken cancellationToken) => throw NotSupported("recovery points");

    public Task<IReadOnlyList<InterfaceAddress>> GetInterfaceAddressesAsync(Guid domainId, CancellationToken cancellationToken) =>
        throw NotSupported("interface addresses");

    public Task<MigrationResult> MigrateDomainAsync(Guid domainId, MigrationTarget target, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken) =>
        throw NotSupported("live migration");

    public IAsyncEnumerable<DomainEvent> WatchDomainEventsAsync(CancellationToken cancellationToken) => throw NotSupported("domain events");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private StandInDomain Find(Guid domainId) =>
        Node.Domains.TryGetValue(domainId, out var domain)
            ? domain
            : throw new HypervisorAdapterException(AdapterErrorCode.DomainNotFound, $"No domain {domainId} on rack server '{options.NodeName}'.");

    private static HypervisorAdapterException NotSupported(string what) =>
        new(AdapterErrorCode.NotSupported, $"This adapter does not support {what}.");
}

/// <summary>The in-memory rack server the starting point runs against, one per address, shared by its connections.</summary>
internal sealed class StandInNode
{
    private static readonly ConcurrentDictionary<string, StandInNode> Nodes = new(StringComparer.Ordinal);

    internal ConcurrentDictionary<Guid, StandInDomain> Domains { get; } = new();

    internal static StandInNode For(string uri) => Nodes.GetOrAdd(uri, _ => new StandInNode());
}

internal sealed class StandInDomain(Guid id, string name, int vcpus, long memoryBytes)
{
    public int VCpus { get; set; } = vcpus;

    public long MemoryBytes { get; set; } = memoryBytes;

    public DomainState State { get; set; } = DomainState.ShutOff;

    public DomainInfo Info => new(id, name, State, VCpus, MemoryBytes);
}
