using VirtualCore.Plugins.Sdk;
using VirtualCore.Plugins.Sdk.Testing;

namespace VirtualCore.Adapters.Qmp.Tests;

/// <summary>
/// The SDK's conformance suite against the QMP adapter on real QEMU (TCG): the proof that the SDK is not shaped after
/// libvirt. Domains boot the tiny guest's kernel, with their disks in the node's images folder.
/// </summary>
[Collection(QmpNodeCollection.Name)]
public sealed class QmpConformanceTests : AdapterConformanceTests
{
    protected override TimeSpan Patience => TimeSpan.FromSeconds(30);

    protected override string IsoPath => Path.Combine(QmpNode.GuestDirectory, "tiny-guest.iso");

    protected override IHypervisorAdapter CreateAdapter() => QmpNode.CreateAdapter();

    protected override DomainSpec CreateDomainSpec(Guid id, string name)
    {
        var spec = base.CreateDomainSpec(id, name);
        return spec with
        {
            Disks = [.. spec.Disks.Select(d => d with { Path = Path.Combine(QmpNode.ImagesDirectory, Path.GetFileName(d.Path)) })],
            DirectKernelBoot = QmpNode.TinyGuest,
        };
    }
}
