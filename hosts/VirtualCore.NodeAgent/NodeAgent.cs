using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Logging;
using VirtualCore.Node.Contracts.V1;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.NodeAgent;

/// <summary>
/// Serves one rack server: takes the node's commands from its queue, carries them out through the hypervisor
/// adapter, and reports job progress, domain states and the node's heartbeat.
/// </summary>
public sealed class NodeAgent : IAsyncDisposable
{
    private const int RememberedJobs = 10_000;
    private static readonly TimeSpan NewGuestAddressWindow = TimeSpan.FromMinutes(2);

    private readonly NodeAgentOptions _options;
    private readonly IHypervisorAdapterFactory _factory;
    private readonly IBus _bus;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Guid, object> _finishedJobs = new();
    private readonly ConcurrentQueue<Guid> _finishedOrder = new();
    private readonly ConcurrentDictionary<Guid, byte> _runningJobs = new();
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _vmLocks = new();
    private readonly ConcurrentDictionary<Guid, string> _reportedStates = new();
    private readonly ConcurrentDictionary<Guid, KnownAddresses> _addresses = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private IHypervisorAdapter? _adapter;
    private HostReceiveEndpointHandle? _endpoint;
    private CancellationTokenSource? _heartbeatStop;
    private Task? _heartbeatLoop;
    private Task? _eventLoop;
    private Task? _usageLoop;

    private CancellationTokenSource _consoleStop = new();
    private readonly ConcurrentDictionary<Task, byte> _consoles = new();

    public NodeAgent(NodeAgentOptions options, IHypervisorAdapterFactory factory, IBus bus, ILogger logger, IConsoleUplink? consoleUplink = null)
    {
        _options = options;
        _factory = factory;
        _bus = bus;
        _logger = logger;
        ConsoleUplink = consoleUplink ?? new WebSocketConsoleUplink();
    }

    internal IConsoleUplink ConsoleUplink { get; }

    internal ILogger Logger => _logger;

    /// <summary>Cancelled when the agent stops: every console session it serves ends.</summary>
    internal CancellationToken ConsoleStopping => _consoleStop.Token;

    /// <summary>Keeps a console session until it ends, so that stopping the agent waits for it.</summary>
    internal void TrackConsole(Task session)
    {
        _consoles.TryAdd(session, 0);
        session.ContinueWith(ended => _consoles.TryRemove(ended, out _), TaskScheduler.Default);
    }

    public string NodeName => _options.NodeName;

    public bool IsRunning => _adapter is not null;

    internal IHypervisorAdapter Adapter => _adapter ?? throw new InvalidOperationException($"The agent of {NodeName} is stopped.");

    internal NodeAgentOptions Options => _options;

    internal IHypervisorAdapterFactory Factory => _factory;

    public static string AgentVersion { get; } = typeof(NodeAgent).Assembly.GetName().Version?.ToString() ?? "0";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            await StartCoreAsync(cancellationToken);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops taking commands and closes the hypervisor connection. Commands sent meanwhile wait in the queue.</summary>
    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            await StopCoreAsync();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        if (_adapter is not null)
        {
            return;
        }

        if (_consoleStop.IsCancellationRequested)
        {
            _consoleStop = new CancellationTokenSource();
        }

        var adapter = _factory.Create(new NodeConnectionOptions(_options.NodeName, _options.Uri, _options.Settings));
        await adapter.ConnectAsync(cancellationToken);
        _adapter = adapter;

        if (_endpoint is null)
        {
            _endpoint = _bus.ConnectReceiveEndpoint(NodeQueues.For(NodeName), endpoint =>
            {
                // Up to four commands run at once on a node, each on a different VM: commands for one VM wait for
                // each other on that VM's lock (LockFor), and the portal opens one job per VM at a time anyway.
                endpoint.ConcurrentMessageLimit = 4;

                // Commands are sent to this queue, never published: binding the command types' exchanges here would let
                // anyone who may publish a command reach every node, and would need bus rights the agent must not have.
                endpoint.ConfigureConsumeTopology = false;
                endpoint.Consumer(() => new NodeCommandConsumer(this));
                endpoint.Consumer(() => new ConsoleConsumer(this));
                endpoint.Consumer(() => new DiskExportReader(this));
            });
            await _endpoint.Ready.WaitAsync(cancellationToken);
        }
        else
        {
            var handle = _endpoint.ReceiveEndpoint.Start(cancellationToken);
            await handle.Ready.WaitAsync(cancellationToken);
        }

        await PublishHeartbeatAsync(cancellationToken);
        _heartbeatStop = new CancellationTokenSource();
        _heartbeatLoop = HeartbeatLoopAsync(_heartbeatStop.Token);
        _eventLoop = adapter.Capabilities.HasFlag(AdapterCapabilities.DomainEvents)
            ? EventLoopAsync(adapter, _heartbeatStop.Token)
            : Task.CompletedTask;
        _usageLoop = adapter.Capabilities.HasFlag(AdapterCapabilities.UsageSampling) && _options.UsageInterval > TimeSpan.Zero
            ? UsageLoopAsync(adapter, _heartbeatStop.Token)
            : Task.CompletedTask;
        _logger.LogInformation("Node agent for {Node} started on {Uri}", NodeName, _options.Uri);
    }

    private async Task StopCoreAsync()
    {
        if (_adapter is null)
        {
            return;
        }

        if (_heartbeatStop is not null)
        {
            await _heartbeatStop.CancelAsync();
            await (_heartbeatLoop ?? Task.CompletedTask);
            await (_eventLoop ?? Task.CompletedTask);
            await (_usageLoop ?? Task.CompletedTask);
            _heartbeatStop.Dispose();
            _heartbeatStop = null;
        }

        if (_endpoint is not null)
        {
            await _endpoint.ReceiveEndpoint.Stop();
        }

        await _consoleStop.CancelAsync();
        await Task.WhenAll(_consoles.Keys);

        await _adapter.DisposeAsync();
        _adapter = null;
        _logger.LogInformation("Node agent for {Node} stopped", NodeName);
    }

    /// <summary>
    /// Stops the agent. The locks stay undisposed on purpose: they hold no wait handle, and a host that stops twice at
    /// once (a web host's own shutdown beside its owner's) may still call <see cref="StopAsync"/> after this.
    /// </summary>
    public async ValueTask DisposeAsync() => await StopAsync();

    public async Task PublishHeartbeatAsync(CancellationToken cancellationToken)
    {
        var adapter = Adapter;
        var capacity = await adapter.GetNodeCapacityAsync(cancellationToken);

        // The beat tells what the node looked like when its domains were listed, not when the message left: a job that
        // ends after the listing (while the addresses are read) is newer than the beat, and the portal keeps its outcome.
        var observedAt = DateTimeOffset.UtcNow;
        var domains = await adapter.ListDomainsAsync(cancellationToken);
        var addresses = adapter.Capabilities.HasFlag(AdapterCapabilities.InterfaceAddresses)
            ? await ReadAddressesAsync(adapter, domains, cancellationToken)
            : [];

        await _bus.Publish(
            new NodeHeartbeat(
                NodeName,
                AgentVersion,
                capacity.Sockets,
                capacity.CoresPerSocket,
                capacity.ThreadsPerCore,
                capacity.MemoryBytes,
                capacity.CpuModel,
                domains.Select(d => new NodeDomainV1(d.Id, d.Name, StateNames.Of(d.State), d.VCpus, d.MemoryBytes, addresses.GetValueOrDefault(d.Id))).ToArray(),
                observedAt,
                Enum.GetValues<AdapterCapabilities>()
                    .Where(flag => flag != 0 && System.Numerics.BitOperations.IsPow2((long)flag) && adapter.Capabilities.HasFlag(flag))
                    .Select(flag => flag.ToString())
                    .ToArray(),
                string.IsNullOrWhiteSpace(_options.MigrationUri) ? _options.Uri : _options.MigrationUri.Trim()),
            cancellationToken);
    }

    /// <summary>
    /// The running guests' addresses, each read again once its refresh is due (<see cref="NodeAgentOptions.AddressRefreshInterval"/>,
    /// spread by a quarter either way so that the guests of one start are not all read in the same beat).
    /// </summary>
    private async Task<Dictionary<Guid, IReadOnlyList<string>>> ReadAddressesAsync(
        IHypervisorAdapter adapter, IReadOnlyList<DomainInfo> domains, CancellationToken cancellationToken)
    {
        var addresses = new Dictionary<Guid, IReadOnlyList<string>>();
        var live = domains.Where(d => d.State is DomainState.Running or DomainState.Paused).Select(d => d.Id).ToHashSet();
        foreach (var gone in _addresses.Keys.Where(id => !live.Contains(id)).ToList())
        {
            _addresses.TryRemove(gone, out _);
        }

        var now = DateTimeOffset.UtcNow;
        foreach (var id in live)
        {
            var known = _addresses.GetValueOrDefault(id);
            if (known is not null && now < known.Due)
            {
                addresses[id] = known.Addresses;
                continue;
            }

            try
            {
                var read = (await adapter.GetInterfaceAddressesAsync(id, cancellationToken)).Select(a => $"{a.Address}/{a.PrefixLength}").Distinct().ToArray();
                var first = known?.FirstRead ?? now;
                var wait = read.Length == 0 && now - first < NewGuestAddressWindow
                    ? TimeSpan.Zero
                    : _options.AddressRefreshInterval * (0.75 + (Random.Shared.NextDouble() / 2));
                _addresses[id] = new KnownAddresses(read, first, now + wait);
                addresses[id] = read;
            }
            catch (HypervisorAdapterException ex)
            {
                _logger.LogDebug(ex, "No addresses for domain {Domain} on {Node}", id, NodeName);
                if (known is not null)
                {
                    addresses[id] = known.Addresses;
                }
            }
        }

        return addresses;
    }

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                // One beat may not outlive the next: a publish held up by a lost broker connection is given up, and a
                // cancelled one (the bus cancels what was pending when its connection dropped) ends only this beat,
                // never the loop — or the node would look offline for good after the broker came back.
                using var beat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                beat.CancelAfter(_options.HeartbeatInterval * 2);
                try
                {
                    await PublishHeartbeatAsync(beat.Token);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    _logger.LogWarning(ex, "Heartbeat of {Node} failed", NodeName);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// Reads the node's usage every <see cref="NodeAgentOptions.UsageInterval"/> and publishes the rates since the read
    /// before. A read or publish that fails loses that interval only; the next one measures from the last good read.
    /// </summary>
    private async Task UsageLoopAsync(IHypervisorAdapter adapter, CancellationToken cancellationToken)
    {
        var sampler = new UsageSampler();
        var simulated = adapter.Capabilities.HasFlag(AdapterCapabilities.SimulatedUsage);
        using var timer = new PeriodicTimer(_options.UsageInterval);
        try
        {
            do
            {
                using var round = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                round.CancelAfter(_options.UsageInterval * 2);
                try
                {
                    var sample = await adapter.SampleUsageAsync(round.Token);
                    if (sampler.Next(NodeName, sample, simulated) is { } report)
                    {
                        await _bus.Publish(report, round.Token);
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    _logger.LogWarning(ex, "Usage of {Node} could not be read or reported", NodeName);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// Changes made outside the portal (the guest powers itself off, an admin uses virsh) reach the portal within
    /// moments: every domain event is reported as the domain's state at that time, unless that is the state reported last.
    /// </summary>
    private async Task EventLoopAsync(IHypervisorAdapter adapter, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in adapter.WatchDomainEventsAsync(cancellationToken))
            {
                string state;
                try
                {
                    state = StateNames.Of(await adapter.GetDomainStateAsync(change.DomainId, cancellationToken));
                }
                catch (HypervisorAdapterException ex) when (ex.Code == AdapterErrorCode.DomainNotFound)
                {
                    state = "undefined";
                }

                // A job's end report carries the state its domain has then: the job's own events, while it runs (it holds
                // the domain's lock) or after it, would say the same again, each a message and a database write in the
                // portal, and a write that meets the end report's on the VM's row.
                if ((_vmLocks.TryGetValue(change.DomainId, out var gate) && gate.CurrentCount == 0) || !ReportedState(change.DomainId, state))
                {
                    continue;
                }

                await _bus.Publish(new DomainStateChanged(NodeName, change.DomainId, state, change.ObservedAt), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Domain events of {Node} stopped; heartbeats still report states", NodeName);
        }
    }

    internal bool TryGetFinished(Guid jobId, out object outcome) => _finishedJobs.TryGetValue(jobId, out outcome!);

    internal void RememberFinished(Guid jobId, object outcome)
    {
        if (_finishedJobs.TryAdd(jobId, outcome))
        {
            _finishedOrder.Enqueue(jobId);
            while (_finishedOrder.Count > RememberedJobs && _finishedOrder.TryDequeue(out var old))
            {
                _finishedJobs.TryRemove(old, out _);
            }
        }
    }

    internal bool TryBeginJob(Guid jobId) => _runningJobs.TryAdd(jobId, 0);

    internal void EndJob(Guid jobId) => _runningJobs.TryRemove(jobId, out _);

    /// <summary>Remembers the state last reported for a domain; false when it is the one reported last.</summary>
    internal bool ReportedState(Guid vmId, string state)
    {
        var previous = _reportedStates.GetValueOrDefault(vmId);
        _reportedStates[vmId] = state;
        return previous != state;
    }

    /// <summary>The state last reported for a domain, or "unknown" when none was.</summary>
    internal string LastReportedState(Guid vmId) => _reportedStates.GetValueOrDefault(vmId) ?? StateNames.Of(DomainState.Unknown);

    internal SemaphoreSlim LockFor(Guid vmId) => _vmLocks.GetOrAdd(vmId, _ => new SemaphoreSlim(1, 1));

    private sealed record KnownAddresses(IReadOnlyList<string> Addresses, DateTimeOffset FirstRead, DateTimeOffset Due);
}

public static class StateNames
{
    public static string Of(DomainState state) => state switch
    {
        DomainState.Running or DomainState.Blocked => "running",
        DomainState.Paused => "paused",
        DomainState.ShuttingDown => "shutting-down",
        DomainState.ShutOff => "shut-off",
        DomainState.Crashed => "crashed",
        DomainState.Suspended => "suspended",
        DomainState.Parked => "parked",
        _ => "unknown",
    };
}
