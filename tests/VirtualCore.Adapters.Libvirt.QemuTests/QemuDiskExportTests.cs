using System.Text;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>
/// Disk exports of a real guest's disk: qemu-img writes the export beside the disk, qemu-img compare finds it equal to
/// the disk (or to the recovery point it was made from), and the bytes read back from any offset are the file's. The
/// guest's boot counter in its first sector tells which disk state an export holds.
/// </summary>
[Collection(QemuNodeCollection.Name)]
public sealed class QemuDiskExportTests(QemuNodeFixture node)
{
    private const long DiskBytes = 16L * 1024 * 1024;
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    private IHypervisorAdapter Adapter => node.Adapter;

    [Fact]
    public async Task A_stopped_disk_exports_as_qcow2_and_raw_equal_to_the_disk_and_reads_back_from_any_offset()
    {
        Assert.True(Adapter.Capabilities.HasFlag(AdapterCapabilities.DiskExport), "The adapter declares no disk exports on a local QEMU node.");
        var guest = await TinyGuest.DefineAsync(node, TinyGuest.WithDisk(TinyGuest.SpecFor("export"), DiskBytes));
        await using (guest)
        {
            Assert.Equal(0, await BootAsync(guest));
            await ShutdownAsync(guest);
            var disk = guest.Spec.Disks[0].Path;

            var percents = new List<int>();
            var qcow2 = await Adapter.ExportDiskAsync(guest.Id, new DiskExportRequest(Guid.NewGuid(), DiskExportFormat.Qcow2), new InlineProgress(percents.Add), CancellationToken.None);
            var raw = await Adapter.ExportDiskAsync(guest.Id, new DiskExportRequest(Guid.NewGuid(), DiskExportFormat.Raw), null, CancellationToken.None);
            var qcow2Path = ExportPath(guest, qcow2.ExportId, "qcow2");
            var rawPath = ExportPath(guest, raw.ExportId, "raw");
            Assert.Equal(new FileInfo(qcow2Path).Length, qcow2.SizeBytes);
            Assert.Equal(DiskBytes, raw.SizeBytes);
            // qemu-img's own progress: in order, within 0–100, ending at 100.
            Assert.Equal(100, percents[^1]);
            Assert.Equal(percents.Order(), percents);
            Assert.All(percents, p => Assert.InRange(p, 0, 100));

            var info = await QemuScripts.RunToolAsync("qemu-img", ["info", "--output=json", qcow2Path], TimeSpan.FromSeconds(30));
            Assert.Contains("\"format\": \"qcow2\"", info, StringComparison.Ordinal);
            Assert.Contains($"\"virtual-size\": {DiskBytes}", info, StringComparison.Ordinal);
            Assert.DoesNotContain("backing-filename", info, StringComparison.Ordinal);
            await QemuScripts.RunToolAsync("qemu-img", ["compare", "-f", "qcow2", "-F", "qcow2", disk, qcow2Path], TimeSpan.FromSeconds(30));
            await QemuScripts.RunToolAsync("qemu-img", ["compare", "-f", "qcow2", "-F", "raw", disk, rawPath], TimeSpan.FromSeconds(30));

            // The first boot wrote 1 into the first sector; a read from an odd offset gets the file's bytes from there.
            Assert.StartsWith("VCORE-COUNTER 1", await ReadTextAsync(guest.Id, raw.ExportId, 0, 15), StringComparison.Ordinal);
            var file = await File.ReadAllBytesAsync(rawPath);
            await using (var stream = await Adapter.OpenDiskExportAsync(guest.Id, raw.ExportId, 7, CancellationToken.None))
            {
                var piece = new byte[4096];
                await stream.ReadExactlyAsync(piece);
                Assert.Equal(file.AsSpan(7, piece.Length).ToArray(), piece);
            }

            var beyond = await Assert.ThrowsAsync<HypervisorAdapterException>(() => Adapter.OpenDiskExportAsync(guest.Id, raw.ExportId, DiskBytes + 1, CancellationToken.None));
            Assert.Equal(AdapterErrorCode.InvalidSpec, beyond.Code);

            // Exporting the same id again returns the export made, without writing it again.
            var written = File.GetLastWriteTimeUtc(rawPath);
            Assert.Equal(raw, await Adapter.ExportDiskAsync(guest.Id, new DiskExportRequest(raw.ExportId, DiskExportFormat.Raw), null, CancellationToken.None));
            Assert.Equal(written, File.GetLastWriteTimeUtc(rawPath));

            await Adapter.DeleteDiskExportAsync(guest.Id, qcow2.ExportId, CancellationToken.None);
            Assert.False(File.Exists(qcow2Path));
            var gone = await Assert.ThrowsAsync<HypervisorAdapterException>(() => Adapter.OpenDiskExportAsync(guest.Id, qcow2.ExportId, 0, CancellationToken.None));
            Assert.Equal(AdapterErrorCode.DiskExportNotFound, gone.Code);

            await Adapter.DeleteDomainAsync(guest.Id, deleteStorage: true, CancellationToken.None);
            Assert.False(File.Exists(rawPath), "An export outlived its domain.");
        }
    }

    [Fact]
    public async Task A_running_guest_exports_a_recovery_point_but_not_its_live_disk()
    {
        var guest = await TinyGuest.DefineAsync(node, TinyGuest.WithDisk(TinyGuest.SpecFor("export-rp"), DiskBytes));
        await using (guest)
        {
            Assert.Equal(0, await BootAsync(guest));
            await ShutdownAsync(guest);
            await Adapter.CreateRecoveryPointAsync(guest.Id, "counter-1", null, CancellationToken.None);
            Assert.Equal(1, await BootAsync(guest));

            // The guest runs and has written 2: its disk as it is now is not exported, its recovery point is.
            var running = await Assert.ThrowsAsync<HypervisorAdapterException>(() =>
                Adapter.ExportDiskAsync(guest.Id, new DiskExportRequest(Guid.NewGuid(), DiskExportFormat.Raw), null, CancellationToken.None));
            Assert.Equal(AdapterErrorCode.InvalidState, running.Code);
            var unknown = await Assert.ThrowsAsync<HypervisorAdapterException>(() =>
                Adapter.ExportDiskAsync(guest.Id, new DiskExportRequest(Guid.NewGuid(), DiskExportFormat.Raw, "no-such-point"), null, CancellationToken.None));
            Assert.Equal(AdapterErrorCode.RecoveryPointNotFound, unknown.Code);

            var export = await Adapter.ExportDiskAsync(guest.Id, new DiskExportRequest(Guid.NewGuid(), DiskExportFormat.Qcow2, "counter-1"), null, CancellationToken.None);
            Assert.Equal(DomainState.Running, await Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));
            var path = ExportPath(guest, export.ExportId, "qcow2");
            var raw = Path.ChangeExtension(path, ".check");
            await QemuScripts.RunToolAsync("qemu-img", ["convert", "-f", "qcow2", "-O", "raw", path, raw], TimeSpan.FromSeconds(30));
            try
            {
                var sector = new byte[15];
                await using (var file = File.OpenRead(raw))
                {
                    await file.ReadExactlyAsync(sector);
                }

                Assert.Equal("VCORE-COUNTER 1", Encoding.ASCII.GetString(sector));
                Assert.DoesNotContain("snapshot", await QemuScripts.RunToolAsync("qemu-img", ["info", path], TimeSpan.FromSeconds(30)), StringComparison.OrdinalIgnoreCase);
            }
            finally
            {
                File.Delete(raw);
            }

            await Adapter.PowerOffDomainAsync(guest.Id, CancellationToken.None);
            await Adapter.DeleteDiskExportAsync(guest.Id, export.ExportId, CancellationToken.None);
            Assert.False(File.Exists(path));
        }
    }

    private static string ExportPath(TinyGuest guest, Guid exportId, string extension) =>
        Path.Combine(Path.GetDirectoryName(guest.Spec.Disks[0].Path)!, $"{LibvirtAdapter.DomainNameOf(guest.Id)}-export-{exportId:N}.{extension}");

    private async Task<string> ReadTextAsync(Guid domainId, Guid exportId, long offset, int length)
    {
        await using var stream = await Adapter.OpenDiskExportAsync(domainId, exportId, offset, CancellationToken.None);
        var bytes = new byte[length];
        await stream.ReadExactlyAsync(bytes);
        return Encoding.ASCII.GetString(bytes);
    }

    private async Task<int> BootAsync(TinyGuest guest)
    {
        await Adapter.StartDomainAsync(guest.Id, CancellationToken.None);
        await guest.WaitForSerialAsync(TinyGuest.ReadyMarker, BootTimeout);
        return guest.DiskCounter ?? throw new Xunit.Sdk.XunitException($"The guest printed no disk counter. Console:\n{guest.SerialLog}");
    }

    private async Task ShutdownAsync(TinyGuest guest)
    {
        await Adapter.ShutdownDomainAsync(guest.Id, CancellationToken.None);
        await guest.WaitForStateAsync(DomainState.ShutOff, ShutdownTimeout);
    }

    /// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class InlineProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
