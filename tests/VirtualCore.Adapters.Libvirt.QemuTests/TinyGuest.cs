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
        try
        {
            await Node.Adapter.PowerOffDomainAsync(Id, CancellationToken.None);
        }
        catch (HypervisorAdapterException e) when (e.Code == AdapterErrorCode.DomainNotFound)
        {
            // The test removed it already.
        }

        await Node.Adapter.UndefineDomainAsync(Id, CancellationToken.None);
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
