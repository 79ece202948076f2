using VirtualCore.Plugins.Sdk;
using VirtualCore.Plugins.Sdk.Testing;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>
/// The adapter conformance suite against the real libvirtd and QEMU node. Domains boot the tiny guest's kernel, with
/// the suite's disk under /var/lib/vcore-conformance (which the adapter creates) and a NIC on the node's network "default". One node has nowhere to
/// migrate to: live migration is proven between two nodes by <see cref="QemuMigrationConformanceTests"/>.
/// </summary>
[Collection(QemuNodeCollection.Name)]
public sealed class QemuConformanceTests : AdapterConformanceTests
{
    private readonly QemuNodeFixture node;

    public QemuConformanceTests(QemuNodeFixture node) => this.node = node;

    protected override TimeSpan Patience => TimeSpan.FromSeconds(30);

    protected override string IsoPath => TinyGuest.IsoPath;

    protected override IHypervisorAdapter CreateAdapter() =>
        new LibvirtAdapter(new NodeConnectionOptions(
            node.Name, node.Uri, new Dictionary<string, string> { [LibvirtAdapter.DomainTypeSetting] = QemuScripts.DomainType }));

    // The prefix lets a later run remove what a crashed one left; the suite deletes its domains with their disks.
    protected override DomainSpec CreateDomainSpec(Guid id, string name) =>
        base.CreateDomainSpec(id, QemuNodeFixture.DomainPrefix + name) with { DirectKernelBoot = TinyGuest.SpecFor(name).DirectKernelBoot };
}
