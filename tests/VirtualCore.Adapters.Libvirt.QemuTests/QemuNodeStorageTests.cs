using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>
/// Disk images are made and removed by the node's libvirtd, not by this process: each node of the pair sees its own
/// <c>/var/lib/libvirt/images</c> in its mount namespace, as a node on another machine would.
/// </summary>
[Collection(QemuTwoNodeCollection.Name)]
public sealed class QemuNodeStorageTests
{
    private const long MiB = 1024 * 1024;

    private readonly QemuTwoNodeFixture nodes;

    public QemuNodeStorageTests(QemuTwoNodeFixture nodes) => this.nodes = nodes;

    [Fact]
    public async Task The_image_is_created_and_deleted_on_the_node_that_defines_the_domain()
    {
        var spec = TinyGuest.SpecFor("node-disk");
        var fileName = spec.Name + ".qcow2";
        var path = Path.Combine(QemuTwoNodeFixture.ImagesDirectory, fileName);
        var onNodes = QemuTwoNodeFixture.NodeDiskPaths(fileName).ToArray();

        var guest = await TinyGuest.DefineAsync(nodes.Second, spec with { Disks = [new DiskSpec(path, 32 * MiB)] });
        await using (guest)
        {
            Assert.True(File.Exists(onNodes[1]), $"Node 2 has no {path}.");
            Assert.False(File.Exists(onNodes[0]), $"Node 1 has {path}, though the domain is on node 2.");
            Assert.False(File.Exists(path), $"{path} was made in this process's namespace, not by the node's libvirtd.");
            var image = await QemuDiskTests.ImageInfoAsync(onNodes[1]);
            Assert.Equal(("qcow2", 32 * MiB), (image.Format, image.VirtualSize));

            await nodes.Second.Adapter.StartDomainAsync(guest.Id, CancellationToken.None);
            await guest.WaitForSerialAsync(TinyGuest.ReadyMarker, TimeSpan.FromSeconds(60));

            await nodes.Second.Adapter.DeleteDomainAsync(guest.Id, deleteStorage: true, CancellationToken.None);
            Assert.False(File.Exists(onNodes[1]), $"Node 2 kept {path} after the domain was deleted with its storage.");
        }
    }
}
