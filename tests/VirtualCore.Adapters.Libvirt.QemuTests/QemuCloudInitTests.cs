using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>
/// A cloud-init seed reaches a real guest: the adapter writes it through libvirtd beside the disk, the guest finds the
/// CD-ROM labelled cidata on its IDE drive and prints each file (the tiny guest runs no cloud-init; what it prints is
/// what cloud-init would read), and the seed goes with the domain.
/// </summary>
[Collection(QemuNodeCollection.Name)]
public sealed class QemuCloudInitTests(QemuNodeFixture node)
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_guest_reads_each_file_of_its_seed_and_the_seed_is_deleted_with_the_domain()
    {
        var spec = TinyGuest.WithDisk(TinyGuest.SpecFor("seed"), 64L * 1024 * 1024);
        var seed = new CloudInitSeed(
            $"instance-id: {spec.Id}\nlocal-hostname: seeded-1\n",
            "#cloud-config\nssh_authorized_keys:\n  - \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmarker seed@test\"\n",
            "version: 2\nethernets:\n  nic0:\n    addresses: [\"192.0.2.10/24\"]\n");
        var seedPath = Path.Combine(TinyGuest.ImagesDirectory, LibvirtAdapter.DomainNameOf(spec.Id) + "-cidata.iso");
        var guest = await TinyGuest.DefineAsync(node, spec with { CloudInit = seed });
        await using (guest)
        {
            Assert.True(File.Exists(seedPath), $"No seed image at {seedPath}.");
            await node.Adapter.StartDomainAsync(guest.Id, CancellationToken.None);
            await guest.WaitForSerialAsync("VCORE-SEED-END", BootTimeout);

            var printed = guest.SerialLog.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
            string[] expected =
            [
                $"VCORE-SEED meta-data: instance-id: {spec.Id}",
                "VCORE-SEED meta-data: local-hostname: seeded-1",
                "VCORE-SEED user-data:   - \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmarker seed@test\"",
                "VCORE-SEED network-config:     addresses: [\"192.0.2.10/24\"]",
            ];
            foreach (var line in expected)
            {
                // The serial shell's prompt may share the first line.
                Assert.True(printed.Any(l => l.EndsWith(line, StringComparison.Ordinal)), $"The guest did not print '{line}'. Console:\n{guest.SerialLog}");
            }

            Assert.True(
                printed.Any(line => line.StartsWith("VCORE-SEED-END", StringComparison.Ordinal) && line.EndsWith("label=cidata", StringComparison.Ordinal)),
                $"The seed's drive is not labelled cidata. Console:\n{guest.SerialLog}");

            await node.Adapter.PowerOffDomainAsync(guest.Id, CancellationToken.None);
            await node.Adapter.DeleteDomainAsync(guest.Id, deleteStorage: true, CancellationToken.None);
            Assert.False(File.Exists(seedPath), "The seed outlived its domain.");
            Assert.False(File.Exists(spec.Disks[0].Path), "The disk outlived its domain.");
        }
    }

    [Theory]
    [InlineData("qcow2", new string[0])]
    [InlineData("vmdk", new[] { "-o", "subformat=streamOptimized" })]
    [InlineData("vmdk", new[] { "-o", "subformat=monolithicSparse" })]
    [InlineData("raw", new string[0])]
    public async Task A_disk_made_from_a_disk_image_holds_its_content_grown_to_the_size_asked_and_leaves_the_image_as_it_was(string format, string[] options)
    {
        // The "cloud image": a qcow2 whose first sector holds the guest's boot counter at 41, in a folder of its own.
        var library = Path.Combine(QemuScripts.TestDirectory, "library");
        Directory.CreateDirectory(library);
        var raw = Path.Combine(library, $"cloud-{Guid.NewGuid():N}.source");
        var image = Path.ChangeExtension(raw, "." + format);
        var sector = new byte[512];
        "VCORE-COUNTER 41\n"u8.CopyTo(sector);
        sector[510] = 0x55;
        sector[511] = 0xAA;
        await File.WriteAllBytesAsync(raw, sector.Concat(new byte[(1 << 20) - 512]).ToArray());
        await QemuScripts.RunToolAsync("qemu-img", ["convert", "-f", "raw", "-O", format, .. options, raw, image], TimeSpan.FromSeconds(30));
        File.Delete(raw);
        var imageBefore = await File.ReadAllBytesAsync(image);
        try
        {
            var spec = TinyGuest.WithDisk(TinyGuest.SpecFor("cloud"), 64L * 1024 * 1024);
            spec = spec with { Disks = [spec.Disks[0] with { SourceImagePath = image }] };
            var guest = await TinyGuest.DefineAsync(node, spec);
            await using (guest)
            {
                var info = await QemuScripts.RunToolAsync("qemu-img", ["info", "-U", "--output=json", spec.Disks[0].Path], TimeSpan.FromSeconds(30));
                Assert.Contains("\"virtual-size\": 67108864", info, StringComparison.Ordinal);
                Assert.Contains("\"format\": \"qcow2\"", info, StringComparison.Ordinal);
                Assert.DoesNotContain("backing-filename", info, StringComparison.Ordinal);

                await node.Adapter.StartDomainAsync(guest.Id, CancellationToken.None);
                await guest.WaitForSerialAsync(TinyGuest.ReadyMarker, BootTimeout);
                Assert.Equal(41, guest.DiskCounter);
                await node.Adapter.PowerOffDomainAsync(guest.Id, CancellationToken.None);
            }

            Assert.Equal(imageBefore, await File.ReadAllBytesAsync(image));
        }
        finally
        {
            File.Delete(image);
        }
    }

    [Fact]
    public async Task Making_a_disk_from_an_image_reports_its_progress_and_a_definition_that_fails_leaves_no_disk()
    {
        var library = Path.Combine(QemuScripts.TestDirectory, "library");
        Directory.CreateDirectory(library);
        var image = Path.Combine(library, $"progress-{Guid.NewGuid():N}.qcow2");
        await QemuScripts.RunToolAsync("qemu-img", ["create", "-f", "qcow2", image, "32M"], TimeSpan.FromSeconds(30));
        try
        {
            var spec = TinyGuest.WithDisk(TinyGuest.SpecFor("progress"), 64L * 1024 * 1024);
            spec = spec with { Disks = [spec.Disks[0] with { SourceImagePath = image }] };
            var percents = new List<int>();
            await node.Adapter.DefineDomainAsync(spec, new InlineProgress(percents.Add), CancellationToken.None);
            var guest = await TinyGuest.DefineAsync(node, spec);
            await using (guest)
            {
                Assert.NotEmpty(percents);
                Assert.Equal(100, percents[^1]);
                Assert.Equal(percents.Order(), percents);
                var info = await QemuScripts.RunToolAsync("qemu-img", ["info", "-U", "--output=json", spec.Disks[0].Path], TimeSpan.FromSeconds(30));
                Assert.Contains("\"virtual-size\": 67108864", info, StringComparison.Ordinal);
                Assert.DoesNotContain("backing-filename", info, StringComparison.Ordinal);
                Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(spec.Disks[0].Path)!, "*.part"));
            }

            // A pin to a core the node lacks is refused after the disk was made: the disk goes again.
            var refusedSpec = TinyGuest.WithDisk(TinyGuest.SpecFor("progress-refused"), 64L * 1024 * 1024);
            refusedSpec = refusedSpec with { PinnedCores = [4096], Disks = [refusedSpec.Disks[0] with { SourceImagePath = image }] };
            var refused = await Assert.ThrowsAsync<HypervisorAdapterException>(() => node.Adapter.DefineDomainAsync(refusedSpec, null, CancellationToken.None));
            Assert.Equal(AdapterErrorCode.InvalidSpec, refused.Code);
            Assert.False(File.Exists(refusedSpec.Disks[0].Path), "A disk made for a definition that failed was left behind.");
        }
        finally
        {
            File.Delete(image);
        }
    }

    /// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class InlineProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    [Fact]
    public async Task A_seed_without_a_disk_to_live_beside_is_refused_before_anything_is_defined()
    {
        var spec = TinyGuest.SpecFor("seedless") with { CloudInit = new CloudInitSeed("instance-id: x\n", "#cloud-config\n", null) };

        var refused = await Assert.ThrowsAsync<HypervisorAdapterException>(() => node.Adapter.DefineDomainAsync(spec, CancellationToken.None));

        Assert.Equal(AdapterErrorCode.InvalidSpec, refused.Code);
        await Assert.ThrowsAsync<HypervisorAdapterException>(() => node.Adapter.GetDomainStateAsync(spec.Id, CancellationToken.None));
    }
}
