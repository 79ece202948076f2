using System.Xml.Linq;
using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>Restart, reset, pause and park.</summary>
public sealed partial class LibvirtAdapter
{
    public Task RebootDomainAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunOnRunning(domainId, AdapterCapabilities.Reboot, "restart", LibvirtDomain.Reboot, cancellationToken);

    public Task ResetDomainAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunOnRunning(domainId, AdapterCapabilities.Reset, "reset", LibvirtDomain.Reset, cancellationToken);

    public Task PauseDomainAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunAsync(
            c =>
            {
                Require(AdapterCapabilities.Pause, "pause a domain");
                using var domain = c.GetDomain(domainId);
                switch (LibvirtDomain.GetState(domain))
                {
                    case DomainState.Paused:
                        return;
                    case DomainState.Running or DomainState.Blocked:
                        LibvirtDomain.Pause(domain, domainId);
                        return;
                    case var state:
                        throw WrongState(domainId, state, "pause it");
                }
            },
            cancellationToken);

    public Task ResumeDomainAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunAsync(
            c =>
            {
                Require(AdapterCapabilities.Pause, "resume a domain");
                using var domain = c.GetDomain(domainId);
                switch (LibvirtDomain.GetState(domain))
                {
                    case DomainState.Running or DomainState.Blocked:
                        return;
                    case DomainState.Paused:
                        LibvirtDomain.Resume(domain, domainId);
                        return;
                    case var state:
                        throw WrongState(domainId, state, "resume it");
                }
            },
            cancellationToken);

    public Task ParkDomainAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunAsync(
            c =>
            {
                Require(AdapterCapabilities.ManagedSave, "park a domain");
                using var domain = c.GetDomain(domainId);
                switch (LibvirtDomain.GetState(domain))
                {
                    case DomainState.Parked:
                        return;
                    case DomainState.Running or DomainState.Blocked or DomainState.Paused:
                        LibvirtDomain.Park(domain, domainId);
                        return;
                    case var state:
                        throw WrongState(domainId, state, "park it (only a running or paused domain has memory to save)");
                }
            },
            cancellationToken);

    public Task UnparkDomainAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunAsync(
            c =>
            {
                Require(AdapterCapabilities.ManagedSave, "unpark a domain");
                using var domain = c.GetDomain(domainId);
                switch (LibvirtDomain.GetState(domain))
                {
                    case DomainState.Running or DomainState.Blocked or DomainState.Paused:
                        return;
                    case DomainState.Parked:
                        // Starting a domain with a managed-save image restores it instead of booting it.
                        LibvirtDomain.Start(domain, domainId);
                        return;
                    case var state:
                        throw WrongState(domainId, state, "unpark it (it has no saved memory; start it instead)");
                }
            },
            cancellationToken);

    public Task UnparkDomainAsync(Guid domainId, IReadOnlyList<int> pinnedCores, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pinnedCores);
        return RunAsync(
            c =>
            {
                Require(AdapterCapabilities.ManagedSave, "unpark a domain");
                Require(AdapterCapabilities.CpuPinning, "pin vCPUs to cores");
                using var domain = c.GetDomain(domainId);
                var vcpus = LibvirtDomain.GetVcpus(domain, LibvirtNative.AffectConfig, domainId);
                var capacity = c.GetNodeCapacity();
                if (pinnedCores.Count != vcpus || pinnedCores.Distinct().Count() != vcpus || pinnedCores.Any(core => core < 0 || core >= capacity.PhysicalCores))
                {
                    throw new HypervisorAdapterException(
                        AdapterErrorCode.InvalidSpec,
                        $"Domain {domainId} needs one distinct core for each of its {vcpus} vCPUs, of cores 0 to {capacity.PhysicalCores - 1}; got {string.Join(", ", pinnedCores)}.");
                }

                switch (LibvirtDomain.GetState(domain))
                {
                    case DomainState.Running or DomainState.Blocked or DomainState.Paused:
                        break;
                    case DomainState.Parked:
                        LibvirtDomain.Start(domain, domainId);
                        break;
                    case var state:
                        throw WrongState(domainId, state, "unpark it (it has no saved memory; start it instead)");
                }

                // Restored from its saved memory, the guest has the pins it was parked with: move each vCPU to its
                // new core at once, then write the pins into the definition for the next boots.
                for (var vcpu = 0; vcpu < vcpus; vcpu++)
                {
                    LibvirtDomain.PinLiveVcpu(domain, vcpu, pinnedCores[vcpu], capacity.PhysicalCores * capacity.ThreadsPerCore, domainId);
                }

                var before = LibvirtDomain.GetXml(domain, LibvirtNative.DomainXmlInactive | LibvirtNative.DomainXmlSecure);
                if (!DomainXmlEditor.ReadPins(XElement.Parse(before)).SequenceEqual(pinnedCores))
                {
                    var xml = XElement.Parse(before);
                    DomainXmlEditor.SetVcpus(xml, vcpus, pinnedCores);
                    using var redefined = c.DefineDomain(xml.ToString(), $"domain {domainId} on cores {string.Join(", ", pinnedCores)}");
                }
            },
            cancellationToken);
    }

    private Task RunOnRunning(Guid domainId, AdapterCapabilities capability, string what, Action<DomainHandle, Guid> action, CancellationToken cancellationToken) =>
        RunAsync(
            c =>
            {
                Require(capability, what + " a domain");
                using var domain = c.GetDomain(domainId);
                var state = LibvirtDomain.GetState(domain);
                if (state is not (DomainState.Running or DomainState.Blocked))
                {
                    throw WrongState(domainId, state, what + " it");
                }

                action(domain, domainId);
            },
            cancellationToken);
}
