using VirtualCore.Plugins.Sdk;
using VirtualCore.Plugins.Sdk.Testing;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>
/// The adapter's live-migration conformance suite between the two real libvirtd and QEMU nodes of
/// <see cref="QemuTwoNodeFixture"/>. Domains boot the tiny guest's kernel, with the suite's disk in the portal's image
/// folder, which each node has of its own (local disks: the suite copies them), and a NIC on each node's network "default".
/// </summary>
[Collection(QemuTwoNodeCollection.Name)]
public sealed class QemuMigrationConformanceTests : AdapterMigrationConformanceTests
{
    /// <summary>/var/lib/virtualcore/images is a directory of each node's own in the two-node setup.</summary>
    private const string LocalImagesDirectory = "/var/lib/virtualcore/images";

    private readonly QemuTwoNodeFixture nodes;

    public QemuMigrationConformanceTests(QemuTwoNodeFixture nodes) => this.nodes = nodes;

    protected override MigrationTarget MigrationTarget => new(nodes.Second.Name, nodes.Second.Uri);

    protected override MigrationTarget Source => new(nodes.First.Name, nodes.First.Uri);

    protected override IHypervisorAdapter CreateAdapter() => Connect(nodes.First);

    protected override IHypervisorAdapter CreateTargetAdapter() => Connect(nodes.Second);

    // The prefix lets a later run remove what a crashed one left; the suite deletes its domains with their disks on both nodes.
    protected override DomainSpec CreateDomainSpec(Guid id, string name)
    {
        var spec = base.CreateDomainSpec(id, QemuNodeFixture.DomainPrefix + name);
        return spec with
        {
            Disks = [new DiskSpec(Path.Combine(LocalImagesDirectory, spec.Name + ".qcow2"), 16L * 1024 * 1024)],
            DirectKernelBoot = TinyGuest.SpecFor(name).DirectKernelBoot,
        };
    }

    protected override async Task<IReadOnlyList<int>?> ReadTargetPinnedCoresAsync(Guid domainId)
    {
        var running = await QemuScripts.PinsAsync(nodes.Second.Uri, domainId, inactive: false);
        var persistent = await QemuScripts.PinsAsync(nodes.Second.Uri, domainId, inactive: true);

        // The pins hold now and after the domain's next boot there.
        Assert.Equal(running, persistent);
        return running;
    }

    private static LibvirtAdapter Connect(IQemuNode node) =>
        new(new NodeConnectionOptions(node.Name, node.Uri, new Dictionary<string, string> { [LibvirtAdapter.DomainTypeSetting] = QemuScripts.DomainType }));
}
