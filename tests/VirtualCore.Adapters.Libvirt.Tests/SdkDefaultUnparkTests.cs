using System.Xml.Linq;
using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.Tests;

/// <summary>
/// The SDK's default <see cref="IHypervisorAdapter.UnparkDomainAsync(Guid, IReadOnlyList{int}, CancellationToken)"/>,
/// which an adapter built against SDK 1.1 gets: restore, then pin through the hardware change. Run on the libvirt
/// adapter behind a wrapper that forwards only the 1.1 members.
/// </summary>
public sealed class SdkDefaultUnparkTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_default_unpark_onto_cores_restores_and_pins_the_domain_and_its_definition()
    {
        var libvirt = new LibvirtAdapter(new NodeConnectionOptions("rack-0", "test:///default", new Dictionary<string, string>()));
        await using (libvirt)
        {
            IHypervisorAdapter adapter = new Sdk11Adapter(libvirt);
            await adapter.ConnectAsync(None);
            var spec = TestNode.Spec("default-" + Guid.NewGuid().ToString("N")[..8], vcpus: 2, pinnedCores: [0, 1]);
            await adapter.DefineDomainAsync(spec, None);
            try
            {
                await adapter.StartDomainAsync(spec.Id, None);
                await adapter.ParkDomainAsync(spec.Id, None);

                var error = await Assert.ThrowsAsync<HypervisorAdapterException>(() => adapter.UnparkDomainAsync(spec.Id, [4], None));
                Assert.Equal(AdapterErrorCode.InvalidSpec, error.Code);
                Assert.Equal(DomainState.Parked, await adapter.GetDomainStateAsync(spec.Id, None));

                await adapter.UnparkDomainAsync(spec.Id, [4, 6], None);

                Assert.Equal(DomainState.Running, await adapter.GetDomainStateAsync(spec.Id, None));
                using var reader = LibvirtConnection.Open("test:///default");
                using var domain = reader.GetDomain(spec.Id);
                Assert.Equal(["0:4", "1:6"], PinsOf(LibvirtDomain.GetXml(domain, 0)));
                Assert.Equal(["0:4", "1:6"], PinsOf(LibvirtDomain.GetXml(domain, LibvirtNative.DomainXmlInactive)));
            }
            finally
            {
                await adapter.DeleteDomainAsync(spec.Id, deleteStorage: false, None);
            }
        }
    }

    private static IEnumerable<string> PinsOf(string xml) =>
        XElement.Parse(xml).Element("cputune")!.Elements("vcpupin").Select(p => $"{(string?)p.Attribute("vcpu")}:{(string?)p.Attribute("cpuset")}");

    /// <summary>An adapter as built against SDK 1.1: it implements every member but the 1.2 unpark onto cores.</summary>
    private sealed class Sdk11Adapter(IHypervisorAdapter inner) : IHypervisorAdapter
    {
        public AdapterCapabilities Capabilities => inner.Capabilities;

        public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

        public Task<NodeCapacity> GetNodeCapacityAsync(CancellationToken cancellationToken) => inner.GetNodeCapacityAsync(cancellationToken);

        public Task<IReadOnlyList<DomainInfo>> ListDomainsAsync(CancellationToken cancellationToken) => inner.ListDomainsAsync(cancellationToken);

        public Task<DomainInfo> DefineDomainAsync(DomainSpec spec, CancellationToken cancellationToken) => inner.DefineDomainAsync(spec, cancellationToken);

        public Task StartDomainAsync(Guid domainId, CancellationToken cancellationToken) => inner.StartDomainAsync(domainId, cancellationToken);

        public Task ShutdownDomainAsync(Guid domainId, CancellationToken cancellationToken) => inner.ShutdownDomainAsync(domainId, cancellationToken);

        public Task PowerOffDomainAsync(Guid domainId, CancellationToken cancellationToken) => inner.PowerOffDomainAsync(domainId, cancellationToken);

        public Task<DomainState> GetDomainStateAsync(Guid domainId, CancellationToken cancellationToken) => inner.GetDomainStateAsync(domainId, cancellationToken);

        public Task UndefineDomainAsync(Guid domainId, CancellationToken cancellationToken) => inner.UndefineDomainAsync(domainId, cancellationToken);

        public Task RebootDomainAsync(Guid domainId, CancellationToken cancellationToken) => inner.RebootDomainAsync(domainId, cancellationToken);

        public Task ResetDomainAsync(Guid domainId, CancellationToken cancellationToken) => inner.ResetDomainAsync(domainId, cancellationToken);

        public Task PauseDomainAsync(Guid domainId, CancellationToken cancellationToken) => inner.PauseDomainAsync(domainId, cancellationToken);

        public Task ResumeDomainAsync(Guid domainId, CancellationToken cancellationToken) => inner.ResumeDomainAsync(domainId, cancellationToken);

        public Task ParkDomainAsync(Guid domainId, CancellationToken cancellationToken) => inner.ParkDomainAsync(domainId, cancellationToken);

        public Task UnparkDomainAsync(Guid domainId, CancellationToken cancellationToken) => inner.UnparkDomainAsync(domainId, cancellationToken);

        public Task<HardwareChangeResult> UpdateHardwareAsync(Guid domainId, HardwareChange change, CancellationToken cancellationToken) =>
            inner.UpdateHardwareAsync(domainId, change, cancellationToken);

        public Task<RecoveryPoint> CreateRecoveryPointAsync(Guid domainId, string name, string? note, CancellationToken cancellationToken) =>
            inner.CreateRecoveryPointAsync(domainId, name, note, cancellationToken);

        public Task<IReadOnlyList<RecoveryPoint>> ListRecoveryPointsAsync(Guid domainId, CancellationToken cancellationToken) =>
            inner.ListRecoveryPointsAsync(domainId, cancellationToken);

        public Task RevertToRecoveryPointAsync(Guid domainId, string name, CancellationToken cancellationToken) =>
            inner.RevertToRecoveryPointAsync(domainId, name, cancellationToken);

        public Task DeleteRecoveryPointAsync(Guid domainId, string name, CancellationToken cancellationToken) =>
            inner.DeleteRecoveryPointAsync(domainId, name, cancellationToken);

        public Task<IReadOnlyList<InterfaceAddress>> GetInterfaceAddressesAsync(Guid domainId, CancellationToken cancellationToken) =>
            inner.GetInterfaceAddressesAsync(domainId, cancellationToken);

        public Task DeleteDomainAsync(Guid domainId, bool deleteStorage, CancellationToken cancellationToken) =>
            inner.DeleteDomainAsync(domainId, deleteStorage, cancellationToken);

        public Task<MigrationResult> MigrateDomainAsync(Guid domainId, MigrationTarget target, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken) =>
            inner.MigrateDomainAsync(domainId, target, progress, cancellationToken);

        public IAsyncEnumerable<DomainEvent> WatchDomainEventsAsync(CancellationToken cancellationToken) => inner.WatchDomainEventsAsync(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
