using System.Text.Json;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>
/// Disk images on a real node: the adapter creates a missing image in a libvirt storage pool of its folder when it
/// defines the domain, grows it running and stopped, and deletes it with the domain.
/// </summary>
[Collection(QemuNodeCollection.Name)]
public sealed class QemuDiskTests
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    private readonly QemuNodeFixture node;

    public QemuDiskTests(QemuNodeFixture node) => this.node = node;

    private static string ImagesDirectory => TinyGuest.ImagesDirectory;

    [Fact]
    public async Task A_missing_image_is_created_sparse_in_a_pool_of_its_folder_grown_and_deleted_with_the_domain()
    {
        var pool = LibvirtAdapter.ImagePoolName(ImagesDirectory);
        await RemovePoolAsync(pool);
        var spec = TinyGuest.SpecFor("disk");
        var path = Path.Combine(ImagesDirectory, spec.Name + ".qcow2");
        spec = spec with { Disks = [new DiskSpec(path, 64 * MiB)] };

        var guest = await TinyGuest.DefineAsync(node, spec);
        await using (guest)
        {
            var image = await ImageInfoAsync(path);
            Assert.Equal(("qcow2", 64 * MiB), (image.Format, image.VirtualSize));
            Assert.True(image.ActualSize < 2 * MiB, $"The new image takes {image.ActualSize} bytes; a sparse one takes almost none.");
            var poolInfo = await VirshAsync("pool-info", pool);
            Assert.Matches(@"State:\s+running", poolInfo);
            Assert.Matches(@"Autostart:\s+yes", poolInfo);
            Assert.Contains(Path.GetFileName(path), await VirshAsync("vol-list", pool), StringComparison.Ordinal);

            // Running: QEMU grows the disk under the guest (virDomainBlockResize).
            await node.Adapter.StartDomainAsync(guest.Id, CancellationToken.None);
            var live = await node.Adapter.UpdateHardwareAsync(guest.Id, new HardwareChange { DiskGrowths = [new DiskGrowth(path, 128 * MiB)] }, CancellationToken.None);
            Assert.Equal(new HardwareChangeItem(HardwareItem.Disk, ChangeTiming.Live, path), Assert.Single(live.Items));
            Assert.Equal(128 * MiB, (await ImageInfoAsync(path)).VirtualSize);
            Assert.Matches(@"Capacity:\s+134217728", await VirshAsync("domblkinfo", LibvirtAdapter.DomainNameOf(spec.Id), "vda"));

            var shrink = await Assert.ThrowsAsync<HypervisorAdapterException>(() => node.Adapter.UpdateHardwareAsync(
                guest.Id, new HardwareChange { DiskGrowths = [new DiskGrowth(path, 96 * MiB)] }, CancellationToken.None));
            Assert.Equal(AdapterErrorCode.InvalidSpec, shrink.Code);

            // Stopped: libvirtd grows the volume in its pool (virStorageVolResize).
            await node.Adapter.PowerOffDomainAsync(guest.Id, CancellationToken.None);
            var stopped = await node.Adapter.UpdateHardwareAsync(guest.Id, new HardwareChange { DiskGrowths = [new DiskGrowth(path, 192 * MiB)] }, CancellationToken.None);
            Assert.Equal(new HardwareChangeItem(HardwareItem.Disk, ChangeTiming.NextBoot, path), Assert.Single(stopped.Items));
            Assert.Equal(192 * MiB, (await ImageInfoAsync(path)).VirtualSize);
            var shrinkStopped = await Assert.ThrowsAsync<HypervisorAdapterException>(() => node.Adapter.UpdateHardwareAsync(
                guest.Id, new HardwareChange { DiskGrowths = [new DiskGrowth(path, 128 * MiB)] }, CancellationToken.None));
            Assert.Equal(AdapterErrorCode.InvalidSpec, shrinkStopped.Code);
            Assert.Equal(192 * MiB, (await ImageInfoAsync(path)).VirtualSize);

            // The grown disk still starts.
            await node.Adapter.StartDomainAsync(guest.Id, CancellationToken.None);
            await guest.WaitForSerialAsync(TinyGuest.ReadyMarker, TimeSpan.FromSeconds(60));

            await node.Adapter.DeleteDomainAsync(guest.Id, deleteStorage: true, CancellationToken.None);
            Assert.False(File.Exists(path), $"{path} outlived its domain.");
            Assert.DoesNotContain(Path.GetFileName(path), await VirshAsync("vol-list", pool), StringComparison.Ordinal);
            Assert.DoesNotContain(await node.Adapter.ListDomainsAsync(CancellationToken.None), d => d.Id == guest.Id);
        }
    }

    [Fact]
    public async Task An_existing_image_is_kept_as_it_is_and_outlives_a_deletion_without_storage()
    {
        var spec = TinyGuest.SpecFor("keep");
        var path = Path.Combine(ImagesDirectory, spec.Name + ".qcow2");
        Directory.CreateDirectory(ImagesDirectory);
        await QemuScripts.RunToolAsync("qemu-img", ["create", "-q", "-f", "qcow2", path, (32 * MiB).ToString(System.Globalization.CultureInfo.InvariantCulture)], ToolTimeout);
        try
        {
            var guest = await TinyGuest.DefineAsync(node, spec with { Disks = [new DiskSpec(path, 64 * MiB)] });
            await using (guest)
            {
                Assert.Equal(32 * MiB, (await ImageInfoAsync(path)).VirtualSize);

                await node.Adapter.DeleteDomainAsync(guest.Id, deleteStorage: false, CancellationToken.None);

                Assert.True(File.Exists(path), "Deleting without storage removed the image.");
                Assert.DoesNotContain(await node.Adapter.ListDomainsAsync(CancellationToken.None), d => d.Id == guest.Id);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Growing_a_disk_the_domain_lacks_is_refused_and_changes_nothing()
    {
        var spec = TinyGuest.SpecFor("nodisk");
        var path = Path.Combine(ImagesDirectory, spec.Name + ".qcow2");
        var guest = await TinyGuest.DefineAsync(node, spec with { Disks = [new DiskSpec(path, 16 * MiB)] });
        await using (guest)
        {
            var other = Path.Combine(ImagesDirectory, "not-" + spec.Name + ".qcow2");
            var error = await Assert.ThrowsAsync<HypervisorAdapterException>(() => node.Adapter.UpdateHardwareAsync(
                guest.Id, new HardwareChange { DiskGrowths = [new DiskGrowth(other, 32 * MiB)] }, CancellationToken.None));

            Assert.Equal(AdapterErrorCode.InvalidSpec, error.Code);
            Assert.False(File.Exists(other));
            Assert.Equal(16 * MiB, (await ImageInfoAsync(path)).VirtualSize);
            await node.Adapter.DeleteDomainAsync(guest.Id, deleteStorage: true, CancellationToken.None);
            Assert.False(File.Exists(path));
        }
    }

    [Fact]
    public async Task When_an_image_cannot_be_created_the_domain_is_not_defined_and_the_images_made_for_it_are_removed()
    {
        var spec = TinyGuest.SpecFor("unmakeable");
        var made = Path.Combine(ImagesDirectory, spec.Name + ".qcow2");

        // /etc/hostname is a file, so no folder can be made beneath it.
        const string impossibleFolder = "/etc/hostname/vcore-images";
        spec = spec with { Disks = [new DiskSpec(made, 16 * MiB), new DiskSpec(Path.Combine(impossibleFolder, spec.Name + ".qcow2"), 16 * MiB)] };

        var error = await Assert.ThrowsAsync<HypervisorAdapterException>(() => node.Adapter.DefineDomainAsync(spec, CancellationToken.None));

        Assert.Equal(AdapterErrorCode.OperationFailed, error.Code);
        Assert.Contains(impossibleFolder, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await node.Adapter.ListDomainsAsync(CancellationToken.None), d => d.Id == spec.Id);
        Assert.False(File.Exists(made), $"{made} was left behind by a domain that was never defined.");
        Assert.DoesNotContain(
            LibvirtAdapter.ImagePoolName(impossibleFolder),
            (await VirshAsync("pool-list", "--all", "--name")).Split('\n', StringSplitOptions.TrimEntries));
    }

    internal static async Task<(string Format, long VirtualSize, long ActualSize)> ImageInfoAsync(string path)
    {
        // -U: QEMU holds the image of a running domain locked; reading its header is safe.
        var json = await QemuScripts.RunToolAsync("qemu-img", ["info", "-U", "--output=json", path], ToolTimeout);
        using var info = JsonDocument.Parse(json);
        var root = info.RootElement;
        return (root.GetProperty("format").GetString()!, root.GetProperty("virtual-size").GetInt64(), root.GetProperty("actual-size").GetInt64());
    }

    private Task<string> VirshAsync(params string[] arguments) =>
        QemuScripts.RunToolAsync("virsh", ["-c", node.Uri, .. arguments], ToolTimeout);

    /// <summary>Removes the pool an earlier run left, so this run proves the adapter makes it.</summary>
    private async Task RemovePoolAsync(string pool)
    {
        var pools = await VirshAsync("pool-list", "--all", "--name");
        if (pools.Split('\n', StringSplitOptions.TrimEntries).Contains(pool))
        {
            if ((await VirshAsync("pool-info", pool)).Contains("running", StringComparison.Ordinal))
            {
                await VirshAsync("pool-destroy", pool);
            }

            await VirshAsync("pool-undefine", pool);
        }
    }
}
