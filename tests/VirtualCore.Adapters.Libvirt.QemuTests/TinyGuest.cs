using System.Diagnostics;
using VirtualCore.Plugins.Sdk;
using Xunit.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>
/// One domain running the tiny busybox guest, defined through the adapter. Disposing it powers it off and
/// removes it whatever the test did, so a failed test leaves no QEMU process and no definition behind.
/// </summary>
internal sealed class TinyGuest : IAsyncDisposable
{
    /// <summary>The guest's init prints this on the serial console once it is up and acpid listens.</summary>
    internal const string ReadyMarker = "VCORE-GUEST-READY";

    /// <summary>The guest's power button handler prints this before it powers off.</summary>
    internal const string PowerButtonMarker = "vcore-guest: power button";

    /// <summary>With a virtio disk, the guest prints this and the counter it read from the disk's first sector before it is ready.</summary>
    internal const string DiskCounterMarker = "VCORE-DISK-COUNTER=";

    /// <summary>The CD-ROM that boots the guest through ISOLINUX, made by build-guest.sh.</summary>
    internal static string IsoPath => Path.Combine(QemuScripts.GuestDirectory, "tiny-guest.iso");

    /// <summary>Where the tests' disk images go; the adapter makes a storage pool of it.</summary>
    internal static string ImagesDirectory => Path.Combine(QemuScripts.TestDirectory, "images");

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private TinyGuest(IQemuNode node, DomainSpec spec)
    {
        Node = node;
        Spec = spec;
    }

    /// <summary>Where the domain is now; a test that migrates it moves this along.</summary>
    internal IQemuNode Node { get; set; }

    internal DomainSpec Spec { get; }

    internal Guid Id => Spec.Id;

    internal string SerialLog => File.Exists(Spec.SerialLogPath) ? ReadShared(Spec.SerialLogPath!) : string.Empty;

    internal static DomainSpec SpecFor(string purpose)
    {
        var id = Guid.NewGuid();
        var name = $"{QemuNodeFixture.DomainPrefix}{purpose}-{id.ToString("N")[..8]}";
        return new DomainSpec(id, name, 1, 256L * 1024 * 1024, [], [], null, [])
        {
            DirectKernelBoot = new DirectKernelBoot(
                Path.Combine(QemuScripts.GuestDirectory, "vmlinuz"),
                Path.Combine(QemuScripts.GuestDirectory, "initrd.img"),
                "console=ttyS0 quiet"),
            SerialLogPath = Path.Combine(QemuScripts.SerialLogDirectory, name + ".log"),
        };
    }

    /// <summary><paramref name="spec"/> with one virtio disk of <paramref name="bytes"/> in <see cref="ImagesDirectory"/>, named after the domain.</summary>
    internal static DomainSpec WithDisk(DomainSpec spec, long bytes) =>
        spec with { Disks = [new DiskSpec(Path.Combine(ImagesDirectory, spec.Name + ".qcow2"), bytes)] };

    /// <summary>
    /// The counter the guest read from its disk in this boot, or null before it printed one. QEMU starts the console
    /// file afresh whenever it starts the domain (a start, or a revert to a live recovery point), so it holds one boot.
    /// </summary>
    internal int? DiskCounter =>
        SerialLog.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith(DiskCounterMarker, StringComparison.Ordinal))
            .Select(line => (int?)int.Parse(line[DiskCounterMarker.Length..], System.Globalization.CultureInfo.InvariantCulture))
            .LastOrDefault();

    /// <summary>Defines a tiny guest; dispose the result.</summary>
    internal static Task<TinyGuest> DefineAsync(IQemuNode node, string purpose) => DefineAsync(node, SpecFor(purpose));

    /// <summary>Defines a guest from <paramref name="spec"/> (made by <see cref="SpecFor"/>); dispose the result.</summary>
    internal static async Task<TinyGuest> DefineAsync(IQemuNode node, DomainSpec spec)
    {
        var guest = new TinyGuest(node, spec);
        await node.Adapter.DefineDomainAsync(spec, CancellationToken.None);
        return guest;
    }

    /// <summary>Waits until the serial console shows <paramref name="marker"/>; fails early when the domain stops.</summary>
    internal async Task WaitForSerialAsync(string marker, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!SerialLog.Contains(marker, StringComparison.Ordinal))
        {
            var state = await Node.Adapter.GetDomainStateAsync(Id, CancellationToken.None);
            if (state is DomainState.ShutOff or DomainState.Crashed)
            {
                throw new XunitException($"{Spec.Name} is {state} before its console showed '{marker}'. Console:\n{SerialLog}");
            }

            if (watch.Elapsed > timeout)
            {
                throw new XunitException($"{Spec.Name}'s console did not show '{marker}' within {timeout.TotalSeconds:F0} s. Console:\n{SerialLog}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Waits until the adapter reports <paramref name="wanted"/>.</summary>
    internal async Task WaitForStateAsync(DomainState wanted, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        DomainState state;
        while ((state = await Node.Adapter.GetDomainStateAsync(Id, CancellationToken.None)) != wanted)
        {
            if (watch.Elapsed > timeout)
            {
                throw new XunitException($"{Spec.Name} is still {state}, not {wanted}, after {timeout.TotalSeconds:F0} s. Console:\n{SerialLog}");
            }

            await Task.Delay(PollInterval);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Whatever state the test left: powered off, recovery points and definition removed, and the disks the
        // adapter made for it in the tests' images folder with it. A domain the test removed already is no failure.
        var ownDisks = Spec.Disks.Count != 0 && Spec.Disks.All(d => d.Path.StartsWith(ImagesDirectory + "/", StringComparison.Ordinal));
        await Node.Adapter.DeleteDomainAsync(Id, deleteStorage: ownDisks, CancellationToken.None);
        File.Delete(Spec.SerialLogPath!);
    }

    // QEMU keeps the file open for writing while the test reads it.
    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
