using System.Diagnostics;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Qmp.Tests;

/// <summary>What the conformance suite cannot see from outside: the guest really boots in the QEMU the adapter starts,
/// its vCPU runs on the core it was pinned to, it stops running while paused, and it powers itself off when the
/// adapter presses the ACPI power button.</summary>
[Collection(QmpNodeCollection.Name)]
public sealed class QmpGuestTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_tiny_guest_boots_on_its_pinned_core_pauses_resumes_and_powers_off_on_the_acpi_button()
    {
        await using var adapter = QmpNode.CreateAdapter();
        await adapter.ConnectAsync(CancellationToken.None);
        var id = Guid.NewGuid();
        var serial = Path.Combine(QmpNode.ImagesDirectory, $"serial-{id:N}.log");
        var core = Environment.ProcessorCount - 1;
        var spec = new DomainSpec(id, "qmp-guest", 1, 128L << 20, [core], [new DiskSpec(Path.Combine(QmpNode.ImagesDirectory, $"guest-{id:N}.qcow2"), 16L << 20)], null, [])
        {
            DirectKernelBoot = QmpNode.TinyGuest,
            SerialLogPath = serial,
        };
        try
        {
            await adapter.DefineDomainAsync(spec, CancellationToken.None);
            await adapter.StartDomainAsync(id, CancellationToken.None);

            // The guest's init prints its marker on the serial port once it is up and listens for the power button.
            await UntilAsync(() => File.Exists(serial) && Read(serial).Contains("VCORE-GUEST-READY", StringComparison.Ordinal), "the guest to boot");
            Assert.Contains("VCORE-DISK-COUNTER=0", Read(serial), StringComparison.Ordinal);

            // Its one vCPU runs on the core it was given (the thread QEMU names "CPU 0/…"), not on any.
            var pid = File.ReadAllText(Path.Combine(QmpNode.StateDirectory, id.ToString(), "qemu.pid")).Trim();
            var vcpuThread = Directory.GetDirectories($"/proc/{pid}/task")
                .Single(task => File.ReadAllText(Path.Combine(task, "comm")).StartsWith("CPU 0/", StringComparison.Ordinal));
            var allowed = File.ReadAllLines(Path.Combine(vcpuThread, "status")).Single(line => line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
            Assert.Equal(core.ToString(System.Globalization.CultureInfo.InvariantCulture), allowed["Cpus_allowed_list:".Length..].Trim());

            await adapter.PauseDomainAsync(id, CancellationToken.None);
            Assert.Equal(DomainState.Paused, await adapter.GetDomainStateAsync(id, CancellationToken.None));
            await adapter.ResumeDomainAsync(id, CancellationToken.None);
            Assert.Equal(DomainState.Running, await adapter.GetDomainStateAsync(id, CancellationToken.None));

            await adapter.ShutdownDomainAsync(id, CancellationToken.None);
            await UntilAsync(async () => await adapter.GetDomainStateAsync(id, CancellationToken.None) == DomainState.ShutOff, "the guest to power off");
            Assert.Contains("vcore-guest: power button", Read(serial), StringComparison.Ordinal);

            // Its disk kept what the guest wrote: the next boot reads the counter the first one left.
            await adapter.StartDomainAsync(id, CancellationToken.None);
            await UntilAsync(() => Read(serial).Contains("VCORE-DISK-COUNTER=1", StringComparison.Ordinal), "the second boot to read its disk");
        }
        finally
        {
            await adapter.DeleteDomainAsync(id, deleteStorage: true, CancellationToken.None);
            File.Delete(serial);
        }

        Assert.False(File.Exists(spec.Disks[0].Path));
        Assert.DoesNotContain(await adapter.ListDomainsAsync(CancellationToken.None), d => d.Id == id);
    }

    private static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < Patience, $"Waited {Patience.TotalSeconds:0} s for {what}.");
            await Task.Delay(100);
        }
    }

    // QEMU keeps the file open for writing while it is read.
    private static string Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
