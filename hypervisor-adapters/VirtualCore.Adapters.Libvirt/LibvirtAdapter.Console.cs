using System.Collections.Concurrent;
using System.Net.Sockets;
using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>The graphical console.</summary>
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
        RunAsync<Stream>(
            c =>
            {
                Require(AdapterCapabilities.GraphicalConsole, "open a console");
                using var domain = c.GetDomain(domainId);
                var state = LibvirtDomain.GetState(domain);
                if (state is not (DomainState.Running or DomainState.Blocked or DomainState.Paused))
                {
                    throw WrongState(domainId, state, "show its screen (only a running or paused domain has one)");
                }

                if (domainType == "test")
                {
                    var title = LibvirtDomain.GetTitle(domain, domainId) ?? DomainNameOf(domainId);
                    return simulatedScreens.GetOrAdd(domainId, _ => new SimulatedScreen(title)).Connect();
                }

                var fd = LibvirtDomain.OpenGraphics(domain, domainId);
                var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
                return new NetworkStream(socket, ownsSocket: true);
            },
            mutates: false,
            cancellationToken);

    /// <summary>
    /// On QEMU, the domain's first serial port through libvirt (<c>virDomainOpenConsole</c>, taken over from any other
    /// client); on the test driver, a <see cref="SimulatedSerial"/> line that answers what is typed.
    /// </summary>
    public Task<Stream> OpenSerialConsoleAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunAsync<Stream>(
            c =>
            {
                Require(AdapterCapabilities.SerialConsole, "open a serial console");
                using var domain = c.GetDomain(domainId);
                var state = LibvirtDomain.GetState(domain);
                if (state is not (DomainState.Running or DomainState.Blocked or DomainState.Paused))
                {
                    throw WrongState(domainId, state, "connect to its serial port (only a running or paused domain has one)");
                }

                if (domainType == "test")
                {
                    var title = LibvirtDomain.GetTitle(domain, domainId) ?? DomainNameOf(domainId);
                    return simulatedSerials.GetOrAdd(domainId, _ => new SimulatedSerial(title)).Connect();
                }

                return c.OpenSerialConsole(domain, domainId);
            },
            mutates: false,
            cancellationToken);
}
