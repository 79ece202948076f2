using System.Diagnostics;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>
/// Recovery points against a real guest. The guest keeps a boot counter in the first sector of its disk: each boot
/// prints the value it finds and writes the next, so the console tells which disk state a boot started from.
/// </summary>
[Collection(QemuNodeCollection.Name)]
public sealed class QemuRecoveryPointTests
{
    private const long DiskBytes = 16L * 1024 * 1024;
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    private readonly QemuNodeFixture node;
    private readonly ITestOutputHelper output;

    public QemuRecoveryPointTests(QemuNodeFixture node, ITestOutputHelper output)
    {
        this.node = node;
        this.output = output;
    }

    private IHypervisorAdapter Adapter => node.Adapter;

    [Fact]
    public async Task Reverting_a_stopped_recovery_point_brings_the_disk_back()
    {
        var guest = await TinyGuest.DefineAsync(node, TinyGuest.WithDisk(TinyGuest.SpecFor("revert"), DiskBytes));
        await using (guest)
        {
            Assert.Equal(0, await BootAsync(guest));
            await ShutdownAsync(guest);

            var point = await Step("take recovery point", () => Adapter.CreateRecoveryPointAsync(guest.Id, "after-first-boot", "counter 1", CancellationToken.None));
            Assert.False(point.TakenLive);

            Assert.Equal(1, await BootAsync(guest));
            await ShutdownAsync(guest);

            await Step("revert", () => Adapter.RevertToRecoveryPointAsync(guest.Id, "after-first-boot", CancellationToken.None));
            Assert.Equal(DomainState.ShutOff, await Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));

            // Without the revert the guest would find 2.
            Assert.Equal(1, await BootAsync(guest));
        }
    }

    [Fact]
    public async Task Reverting_a_live_recovery_point_brings_back_the_running_guest_and_its_disk()
    {
        Assert.True(Adapter.Capabilities.HasFlag(AdapterCapabilities.LiveRecoveryPoints), "The adapter declares no live recovery points on QEMU.");
        var guest = await TinyGuest.DefineAsync(node, TinyGuest.WithDisk(TinyGuest.SpecFor("live-revert"), DiskBytes));
        await using (guest)
        {
            Assert.Equal(0, await BootAsync(guest));
            var point = await Step("take live recovery point", () => Adapter.CreateRecoveryPointAsync(guest.Id, "running", null, CancellationToken.None));
            Assert.True(point.TakenLive);
            Assert.Equal(DomainState.Running, await Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));

            await Step("power off", () => Adapter.PowerOffDomainAsync(guest.Id, CancellationToken.None));
            Assert.Equal(1, await BootAsync(guest));
            await Step("power off", () => Adapter.PowerOffDomainAsync(guest.Id, CancellationToken.None));

            await Step("revert", () => Adapter.RevertToRecoveryPointAsync(guest.Id, "running", CancellationToken.None));
            Assert.Equal(DomainState.Running, await Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));

            // The guest runs on from its saved memory, without booting: its power button handler still answers.
            await ShutdownAsync(guest);
            Assert.Contains(TinyGuest.PowerButtonMarker, guest.SerialLog, StringComparison.Ordinal);
            Assert.DoesNotContain(TinyGuest.ReadyMarker, guest.SerialLog, StringComparison.Ordinal);

            // Its disk is back where it was when the point was taken: after the first boot had written 1.
            Assert.Equal(1, await BootAsync(guest));
        }
    }

    /// <summary>Starts the guest and returns the counter it read from its disk once it is ready.</summary>
    private async Task<int> BootAsync(TinyGuest guest)
    {
        await Step("boot", async () =>
        {
            await Adapter.StartDomainAsync(guest.Id, CancellationToken.None);
            await guest.WaitForSerialAsync(TinyGuest.ReadyMarker, BootTimeout);
        });
        return guest.DiskCounter ?? throw new Xunit.Sdk.XunitException($"The guest printed no disk counter. Console:\n{guest.SerialLog}");
    }

    private Task ShutdownAsync(TinyGuest guest) =>
        Step("ACPI shutdown", async () =>
        {
            await Adapter.ShutdownDomainAsync(guest.Id, CancellationToken.None);
            await guest.WaitForStateAsync(DomainState.ShutOff, ShutdownTimeout);
        });

    private async Task<T> Step<T>(string name, Func<Task<T>> action)
    {
        var watch = Stopwatch.StartNew();
        var result = await action();
        output.WriteLine($"[qemu] {name}: {watch.Elapsed.TotalSeconds:F2} s");
        return result;
    }

    private Task Step(string name, Func<Task> action) =>
        Step<object?>(name, async () =>
        {
            await action();
            return null;
        });
}
