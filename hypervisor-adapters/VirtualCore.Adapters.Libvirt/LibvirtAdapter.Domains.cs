using System.Runtime.CompilerServices;
using System.Threading.Channels;
using System.Xml.Linq;
using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>Addresses, deletion, migration and domain events.</summary>
public sealed partial class LibvirtAdapter
{
    // virDomainInterfaceAddressesSource numbers, in the order their answers are trusted.
    private static readonly (uint Native, AddressSource Source)[] AddressSources =
        [(0, AddressSource.Lease), (2, AddressSource.Arp), (1, AddressSource.Agent)];

    private readonly List<ChannelWriter<DomainEvent>> watchers = [];

    public Task<IReadOnlyList<InterfaceAddress>> GetInterfaceAddressesAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<InterfaceAddress>>(
            c =>
            {
                Require(AdapterCapabilities.InterfaceAddresses, "read interface addresses");
                using var domain = c.GetDomain(domainId);
                if (LibvirtDomain.GetState(domain) is not (DomainState.Running or DomainState.Blocked or DomainState.Paused))
                {
                    return [];
                }

                var addresses = new List<InterfaceAddress>();
                foreach (var (native, source) in AddressSources)
                {
                    List<(string Mac, string Address, int Prefix)> found;
                    try
                    {
                        found = LibvirtDomain.GetInterfaceAddresses(domain, native, domainId);
                    }
                    catch (HypervisorAdapterException e) when (e.Code is AdapterErrorCode.NotSupported or AdapterErrorCode.OperationFailed)
                    {
                        // A source the node lacks (no agent in the guest, no lease file) is no failure: the next may know.
                        continue;
                    }

                    addresses.AddRange(found
                        .Where(f => !addresses.Any(a => a.MacAddress == f.Mac && a.Address == f.Address))
                        .Select(f => new InterfaceAddress(f.Mac, f.Address, f.Prefix, source)));
                }

                return addresses;
            },
            mutates: false,
            cancellationToken);

    public Task DeleteDomainAsync(Guid domainId, bool deleteStorage, CancellationToken cancellationToken) =>
        RunAsync(
            c =>
            {
                using var domain = c.FindDomain(domainId);
                if (domain is null)
                {
                    return;
                }

                var definition = XElement.Parse(LibvirtDomain.GetXml(domain, LibvirtNative.DomainXmlInactive | LibvirtNative.DomainXmlSecure));
                var disks = DomainXmlEditor.DiskPaths(definition).Concat(DomainXmlEditor.SeedPaths(definition)).ToList();
                if (LibvirtDomain.GetState(domain) is not (DomainState.ShutOff or DomainState.Parked))
                {
                    LibvirtDomain.PowerOff(domain, domainId);
                }

                LibvirtDomain.Undefine(domain, domainId);
                if (deleteStorage)
                {
                    foreach (var path in disks)
                    {
                        DeleteDisk(c, path);
                    }

                    DeleteExports(c, domainId, DomainXmlEditor.DiskPaths(definition).FirstOrDefault());
                }
            },
            cancellationToken);

    public async IAsyncEnumerable<DomainEvent> WatchDomainEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<DomainEvent>(new UnboundedChannelOptions { SingleReader = true });
        var callbackId = await RunAsync(
            c =>
            {
                Require(AdapterCapabilities.DomainEvents, "watch domain events");
                var id = c.RegisterLifecycleEvents((domain, type, detail) =>
                {
                    if (ToEventKind(type, detail) is { } kind)
                    {
                        channel.Writer.TryWrite(new DomainEvent(domain, kind, DateTimeOffset.UtcNow));
                    }
                });
                lock (watchers)
                {
                    watchers.Add(channel.Writer);
                }

                return id;
            },
            mutates: false,
            cancellationToken).ConfigureAwait(false);

        try
        {
            await foreach (var domainEvent in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (domainEvent.Kind == DomainEventKind.Resumed && await IsStartingResumeAsync(domainEvent.DomainId).ConfigureAwait(false))
                {
                    continue;
                }

                yield return domainEvent;
            }
        }
        finally
        {
            lock (watchers)
            {
                watchers.Remove(channel.Writer);
            }

            // After DisposeAsync the connection is gone and took the registration with it.
            if (!disposed)
            {
                await RunAsync<object?>(
                    c =>
                    {
                        c.DeregisterEvents(callbackId);
                        return null;
                    },
                    mutates: false,
                    CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// QEMU starts every domain with its vCPUs stopped and lets them run once it is set up, which libvirt reports as
    /// "resumed" just before "started" (also when it restores, migrates in or reverts to a live recovery point). The
    /// domain was never paused for anyone, so such a resume is not passed on: the domain then runs for the reason of
    /// its start, where a real resume leaves it running as "unpaused". Read after the event, so a domain that changed
    /// again since, or is gone, keeps its Resumed.
    /// </summary>
    private async Task<bool> IsStartingResumeAsync(Guid domainId)
    {
        if (domainType == "test" || disposed)
        {
            return false;
        }

        try
        {
            return await RunAsync(
                c =>
                {
                    using var domain = c.FindDomain(domainId);
                    return domain is not null && LibvirtDomain.GetNativeStateAndReason(domain) is (LibvirtNative.DomainRunning, var reason)
                        && reason is LibvirtNative.RunningBooted or LibvirtNative.RunningMigrated or LibvirtNative.RunningRestored or LibvirtNative.RunningFromSnapshot;
                },
                mutates: false,
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HypervisorAdapterException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// virDomainEventType and its detail, in the SDK's words; null for an event that tells nothing of its own. QEMU
    /// reports "shutdown finished after a host request" just before the domain stops when it is powered off: that is
    /// no shutdown, and the Stopped that follows says all.
    /// </summary>
    internal static DomainEventKind? ToEventKind(int type, int detail) => (type, detail) switch
    {
        (6, 2) => null, // VIR_DOMAIN_EVENT_SHUTDOWN_HOST
        (0, _) => DomainEventKind.Defined,
        (1, _) => DomainEventKind.Undefined,
        (2, _) => DomainEventKind.Started,
        (3, _) => DomainEventKind.Paused,
        (4, _) => DomainEventKind.Resumed,
        (5, 4) => DomainEventKind.Parked, // VIR_DOMAIN_EVENT_STOPPED_SAVED
        (5, _) => DomainEventKind.Stopped,
        (6, _) => DomainEventKind.ShuttingDown,
        (8, _) => DomainEventKind.Crashed,
        _ => DomainEventKind.Other,
    };

    private void CompleteWatchers()
    {
        lock (watchers)
        {
            watchers.ForEach(w => w.TryComplete());
            watchers.Clear();
        }
    }
}
