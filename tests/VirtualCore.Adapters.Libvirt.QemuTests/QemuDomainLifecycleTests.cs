using System.Diagnostics;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>The adapter against a real libvirtd and QEMU: a tiny Linux guest boots, shuts down by ACPI, is removed.</summary>
[Collection(QemuNodeCollection.Name)]
public sealed class QemuDomainLifecycleTests
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    private readonly QemuNodeFixture node;
    private readonly ITestOutputHelper output;

    public QemuDomainLifecycleTests(QemuNodeFixture node, ITestOutputHelper output)
    {
        this.node = node;
        this.output = output;
    }

    [Fact]
    public async Task Guest_boots_shuts_down_by_acpi_and_is_removed()
    {
        var guest = await Step("define", () => TinyGuest.DefineAsync(node, "acpi"));
        await using (guest)
        {
            Assert.Equal(DomainState.ShutOff, await node.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));

            await Step("start", () => node.Adapter.StartDomainAsync(guest.Id, CancellationToken.None));
            await Step("boot to ready marker", () => guest.WaitForSerialAsync(TinyGuest.ReadyMarker, BootTimeout));
            Assert.Equal(DomainState.Running, await node.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));

            await Step("ACPI shutdown to shut off", async () =>
            {
                await node.Adapter.ShutdownDomainAsync(guest.Id, CancellationToken.None);
                await guest.WaitForStateAsync(DomainState.ShutOff, ShutdownTimeout);
            });

            // The guest's own power button handler ran: this was an orderly shutdown, not a power cut.
            Assert.Contains(TinyGuest.PowerButtonMarker, guest.SerialLog, StringComparison.Ordinal);

            await Step("power off (already off)", () => node.Adapter.PowerOffDomainAsync(guest.Id, CancellationToken.None));
            await Step("undefine", () => node.Adapter.UndefineDomainAsync(guest.Id, CancellationToken.None));
            Assert.DoesNotContain(await node.Adapter.ListDomainsAsync(CancellationToken.None), d => d.Id == guest.Id);
        }
    }

    [Fact]
    public async Task Running_guest_cannot_be_removed_until_powered_off()
    {
        var guest = await Step("define", () => TinyGuest.DefineAsync(node, "poweroff"));
        await using (guest)
        {
            await Step("start", () => node.Adapter.StartDomainAsync(guest.Id, CancellationToken.None));
            await Step("boot to ready marker", () => guest.WaitForSerialAsync(TinyGuest.ReadyMarker, BootTimeout));

            var refused = await Assert.ThrowsAsync<HypervisorAdapterException>(
                () => node.Adapter.UndefineDomainAsync(guest.Id, CancellationToken.None));
            Assert.Equal(AdapterErrorCode.InvalidState, refused.Code);

            await Step("power off", () => node.Adapter.PowerOffDomainAsync(guest.Id, CancellationToken.None));
            Assert.Equal(DomainState.ShutOff, await node.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));
            Assert.DoesNotContain(TinyGuest.PowerButtonMarker, guest.SerialLog, StringComparison.Ordinal);

            await Step("undefine", () => node.Adapter.UndefineDomainAsync(guest.Id, CancellationToken.None));
            Assert.DoesNotContain(await node.Adapter.ListDomainsAsync(CancellationToken.None), d => d.Id == guest.Id);
        }
    }

    [Fact]
    public async Task Guest_boots_from_its_iso_on_the_cdrom_with_a_blank_disk_and_no_kernel_boot()
    {
        var spec = TinyGuest.WithDisk(TinyGuest.SpecFor("iso"), 16L * 1024 * 1024) with { DirectKernelBoot = null, CdromPath = TinyGuest.IsoPath };
        var guest = await Step("define", () => TinyGuest.DefineAsync(node, spec));
        await using (guest)
        {
            await Step("start", () => node.Adapter.StartDomainAsync(guest.Id, CancellationToken.None));

            // The firmware finds nothing to boot on the blank disk and goes on to the CD-ROM, whose ISOLINUX starts the kernel at once.
            await Step("boot from the CD-ROM to ready marker", () => guest.WaitForSerialAsync(TinyGuest.ReadyMarker, BootTimeout));
            Assert.Contains("ISOLINUX", guest.SerialLog, StringComparison.Ordinal);
            Assert.Equal(0, guest.DiskCounter);

            await Step("ACPI shutdown to shut off", async () =>
            {
                await node.Adapter.ShutdownDomainAsync(guest.Id, CancellationToken.None);
                await guest.WaitForStateAsync(DomainState.ShutOff, ShutdownTimeout);
            });
        }
    }

    [Fact]
    public async Task A_parked_guest_comes_back_on_another_core_pinned_live_and_in_its_definition()
    {
        var guest = await Step("define on core 0", () => TinyGuest.DefineAsync(node, TinyGuest.SpecFor("unpark") with { PinnedCores = [0] }));
        await using (guest)
        {
            await Step("start", () => node.Adapter.StartDomainAsync(guest.Id, CancellationToken.None));
            await Step("boot to ready marker", () => guest.WaitForSerialAsync(TinyGuest.ReadyMarker, BootTimeout));
            await Step("park", () => node.Adapter.ParkDomainAsync(guest.Id, CancellationToken.None));
            Assert.Equal(DomainState.Parked, await node.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));

            await Step("unpark onto core 1", () => node.Adapter.UnparkDomainAsync(guest.Id, [1], CancellationToken.None));

            Assert.Equal(DomainState.Running, await node.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));
            // libvirt's own view: the running vCPU's affinity, and the pin of the definition for the next boot.
            Assert.Matches(@"(?m)^\s*0\s+1\s*$", await VirshAsync("vcpupin", LibvirtAdapter.DomainNameOf(guest.Spec.Id), "--live"));
            Assert.Matches(@"(?m)^\s*0\s+1\s*$", await VirshAsync("vcpupin", LibvirtAdapter.DomainNameOf(guest.Spec.Id), "--config"));
            await Step("power off", () => node.Adapter.PowerOffDomainAsync(guest.Id, CancellationToken.None));
        }
    }

    [Theory]
    [InlineData("vmlinuz", "/boot/initrd.img", "console=ttyS0")]
    [InlineData("/boot/vmlinuz", "initrd.img", "console=ttyS0")]
    [InlineData("/boot/vmlinuz", "/boot/initrd.img", "console=ttyS0\ninit=/bin/sh")]
    public async Task Direct_kernel_boot_with_relative_paths_or_control_characters_is_refused(string kernel, string initrd, string commandLine)
    {
        var spec = TinyGuest.SpecFor("invalid") with { DirectKernelBoot = new DirectKernelBoot(kernel, initrd, commandLine) };

        var error = await Assert.ThrowsAsync<HypervisorAdapterException>(() => node.Adapter.DefineDomainAsync(spec, CancellationToken.None));

        Assert.Equal(AdapterErrorCode.InvalidSpec, error.Code);
        Assert.DoesNotContain(await node.Adapter.ListDomainsAsync(CancellationToken.None), d => d.Id == spec.Id);
    }

    private async Task<T> Step<T>(string name, Func<Task<T>> action)
    {
        var watch = Stopwatch.StartNew();
        var result = await action();
        output.WriteLine($"[qemu] {name}: {watch.Elapsed.TotalSeconds:F2} s");
        return result;
    }

    private async Task<string> VirshAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("virsh") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(node.Uri);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"virsh {string.Join(' ', arguments)}: {await stderr}");
        output.WriteLine($"virsh {string.Join(' ', arguments)}:\n{await stdout}");
        return await stdout;
    }

    private Task Step(string name, Func<Task> action) =>
        Step<object?>(name, async () =>
        {
            await action();
            return null;
        });
}
