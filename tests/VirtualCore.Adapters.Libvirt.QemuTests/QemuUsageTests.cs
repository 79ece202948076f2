using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>
/// Usage figures from a real guest: told over its serial console to write 32 MiB to its disk and keep its CPU busy, it
/// shows both in the adapter's bulk statistics (libvirt's <c>virConnectGetAllDomainStats</c>), and the node's own figures
/// are the real machine's.
/// </summary>
[Collection(QemuNodeCollection.Name)]
public sealed class QemuUsageTests(QemuNodeFixture node)
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_guest_that_writes_to_its_disk_and_burns_cpu_shows_both_in_its_usage()
    {
        Assert.True(node.Adapter.Capabilities.HasFlag(AdapterCapabilities.UsageSampling));
        Assert.False(node.Adapter.Capabilities.HasFlag(AdapterCapabilities.SimulatedUsage));
        var guest = await TinyGuest.DefineAsync(node, TinyGuest.WithDisk(TinyGuest.SpecFor("usage"), 64 * MiB));
        await using (guest)
        {
            await node.Adapter.StartDomainAsync(guest.Id, CancellationToken.None);
            await guest.WaitForSerialAsync(TinyGuest.ReadyMarker, BootTimeout);
            var before = Usage(await node.Adapter.SampleUsageAsync(CancellationToken.None), guest.Id);

            // The console stays open until the guest has answered: closing it at once could drop what was typed.
            await using (var serial = await node.Adapter.OpenSerialConsoleAsync(guest.Id, CancellationToken.None))
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await serial.WriteAsync("dd if=/dev/zero of=/dev/vda bs=1M seek=1 count=32 conv=fsync && echo VCORE-WRITTEN-$((6*7)); (while :; do :; done) &\r"u8.ToArray(), timeout.Token);
                await guest.WaitForSerialAsync("VCORE-WRITTEN-42", TimeSpan.FromSeconds(60));
            }

            // The busy loop runs from here on: two samples at least two seconds apart measure it.
            var start = Usage(await node.Adapter.SampleUsageAsync(CancellationToken.None), guest.Id);
            var startedAt = DateTimeOffset.UtcNow;
            UsageSample end;
            do
            {
                await Task.Delay(250);
                end = await node.Adapter.SampleUsageAsync(CancellationToken.None);
            }
            while (end.TakenAt - startedAt < TimeSpan.FromSeconds(2));

            var after = Usage(end, guest.Id);
            var written = after.Disks.Single(d => d.Name == "vda").WriteBytes - before.Disks.Single(d => d.Name == "vda").WriteBytes;
            Assert.True(written >= 32 * MiB, $"The guest wrote 32 MiB; its disk counts {written} bytes more.");
            Assert.True(after.Disks.Single(d => d.Name == "vda").WriteOperations > before.Disks.Single(d => d.Name == "vda").WriteOperations);

            var busy = (after.CpuNanoseconds - start.CpuNanoseconds) / ((end.TakenAt - startedAt).TotalSeconds * 1e9);
            // An idle guest uses a few per cent; a busy one all the host gives it, which on two cores shared with other
            // test runs (the guest emulated by TCG) was as little as 47 %.
            Assert.True(busy > 0.25, $"A guest in a busy loop used {busy:P0} of its vCPU.");
            Assert.Equal(1, after.VCpus);
            Assert.InRange(after.MemoryBytes, 1, 256 * MiB);

            // The node's figures are this machine's.
            var memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            Assert.Equal(long.Parse(memory.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024, end.Node.MemoryTotalBytes);
            Assert.NotNull(end.Node.LoadAverage);
            Assert.InRange(end.Node.CpuBusyNanoseconds, 1, end.Node.CpuTotalNanoseconds);
        }
    }

    private static DomainUsage Usage(UsageSample sample, Guid id) => Assert.Single(sample.Domains, d => d.DomainId == id);
}
