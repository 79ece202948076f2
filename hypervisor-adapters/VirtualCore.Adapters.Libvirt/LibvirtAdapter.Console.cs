using System.Collections.Concurrent;
using System.Net.Sockets;
using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>The graphical and the serial console.</summary>
public sealed partial class LibvirtAdapter
{
    private readonly ConcurrentDictionary<Guid, SimulatedScreen> simulatedScreens = new();
    private readonly ConcurrentDictionary<Guid, SimulatedSerial> simulatedSerials = new();

    /// <summary>
    /// On QEMU, a socket to the domain's VNC server handed over by libvirt (<c>virDomainOpenGraphicsFD</c>): the domains'
    /// VNC servers listen on no port at all, so nobody on the rack server or its network can reach a screen, only the
    /// node agent through libvirt. On the test driver, the domain's <see cref="SimulatedScreen"/>.
    /// </summary>
    public Task<Stream> OpenConsoleAsync(Guid domainId, CancellationToken cancellationToken) =>
        OpenLiveAsync(
            domainId,
            AdapterCapabilities.GraphicalConsole,
            "show its screen",
            (domain, title) => simulatedScreens.GetOrAdd(domainId, _ => new SimulatedScreen(title())).Connect(),
            (_, domain) =>
            {
                var socket = new Socket(new SafeSocketHandle(LibvirtDomain.OpenGraphics(domain, domainId), ownsHandle: true));
                return new NetworkStream(socket, ownsSocket: true);
            },
            cancellationToken);

    /// <summary>
    /// On QEMU, the domain's first serial port through libvirt (<c>virDomainOpenConsole</c>, taken over from any other
    /// client); on the test driver, a <see cref="SimulatedSerial"/> line that answers what is typed.
    /// </summary>
    public Task<Stream> OpenSerialConsoleAsync(Guid domainId, CancellationToken cancellationToken) =>
        OpenLiveAsync(
            domainId,
            AdapterCapabilities.SerialConsole,
            "connect to its serial port",
            (domain, title) => simulatedSerials.GetOrAdd(domainId, _ => new SimulatedSerial(title())).Connect(),
            (c, domain) => c.OpenSerialConsole(domain, domainId),
            cancellationToken);

    /// <summary>
    /// A console of a running or paused domain: the simulated one on the test driver (given the domain's title), the
    /// hypervisor's on QEMU. Anything else is <see cref="AdapterErrorCode.InvalidState"/>.
    /// </summary>
    private Task<Stream> OpenLiveAsync(
        Guid domainId,
        AdapterCapabilities capability,
        string what,
        Func<DomainHandle, Func<string>, Stream> simulated,
        Func<LibvirtConnection, DomainHandle, Stream> real,
        CancellationToken cancellationToken) =>
        RunAsync(
            c =>
            {
                Require(capability, what);
                using var domain = c.GetDomain(domainId);
                var state = LibvirtDomain.GetState(domain);
                if (state is not (DomainState.Running or DomainState.Blocked or DomainState.Paused))
                {
                    throw WrongState(domainId, state, $"{what} (only a running or paused domain has one)");
                }

                return domainType == "test"
                    ? simulated(domain, () => LibvirtDomain.GetTitle(domain, domainId) ?? DomainNameOf(domainId))
                    : real(c, domain);
            },
            mutates: false,
            cancellationToken);
}
