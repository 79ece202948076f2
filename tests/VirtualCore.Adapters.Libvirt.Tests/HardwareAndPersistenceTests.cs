using System.Xml.Linq;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.Tests;

public sealed class HardwareAndPersistenceTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TestNode node = new();

    public void Dispose() => node.Dispose();

    [Fact]
    public async Task Bus_model_boot_order_and_iso_changes_are_written_to_the_definition()
    {
        var adapter = await node.ConnectAsync(persist: true);
        var spec = TestNode.Spec("web-01") with
        {
            Disks = [new DiskSpec("/images/a.qcow2", TestNode.GiB), new DiskSpec("/images/b.qcow2", TestNode.GiB)],
        };
        await adapter.DefineDomainAsync(spec, None);

        var result = await adapter.UpdateHardwareAsync(
            spec.Id,
            new HardwareChange
            {
                DiskBus = DiskBus.Sata,
                NicModel = NicModel.E1000,
                BootOrder = [BootDevice.Cdrom, BootDevice.Network, BootDevice.Disk],
                Cdrom = new CdromChange("/isos/debian 12 'netinst'.iso"),
            },
            None);

        Assert.All(result.Items, i => Assert.Equal(ChangeTiming.NextBoot, i.Timing));
        var xml = SavedDomain(spec.Id);
        Assert.Equal(
            ["disk /images/a.qcow2 sda sata", "disk /images/b.qcow2 sdb sata", "cdrom /isos/debian 12 'netinst'.iso sdc sata"],
            xml.Element("devices")!.Elements("disk").Select(d =>
                $"{(string?)d.Attribute("device")} {(string?)d.Element("source")?.Attribute("file")} {(string?)d.Element("target")!.Attribute("dev")} {(string?)d.Element("target")!.Attribute("bus")}"));
        Assert.Equal(["cdrom", "network", "hd"], xml.Element("os")!.Elements("boot").Select(b => (string?)b.Attribute("dev")));
        Assert.Equal("e1000", (string?)xml.Element("devices")!.Element("interface")!.Element("model")!.Attribute("type"));

        await adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { Cdrom = new CdromChange(null), DiskBus = DiskBus.Virtio }, None);

        Assert.Equal(
            ["vda virtio", "vdb virtio"],
            SavedDomain(spec.Id).Element("devices")!.Elements("disk").Select(d => $"{(string?)d.Element("target")!.Attribute("dev")} {(string?)d.Element("target")!.Attribute("bus")}"));
    }

    [Fact]
    public async Task Pinning_follows_the_vcpu_count()
    {
        var adapter = await node.ConnectAsync(persist: true);
        var spec = TestNode.Spec("web-01", vcpus: 2, pinnedCores: [3, 4]);
        await adapter.DefineDomainAsync(spec, None);
        await adapter.StartDomainAsync(spec.Id, None);

        var fewer = await adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { VCpus = 1 }, None);
        Assert.Equal(ChangeTiming.Live, Assert.Single(fewer.Items).Timing);
        Assert.Equal(["0:3"], Pins(spec.Id));

        var growingWithoutCores = await Assert.ThrowsAsync<HypervisorAdapterException>(
            () => adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { VCpus = 2 }, None));
        Assert.Equal(AdapterErrorCode.InvalidSpec, growingWithoutCores.Code);

        // Back to the running maximum: live, and the returning vCPU is pinned to the core given.
        var back = await adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { VCpus = 2, PinnedCores = [3, 7] }, None);
        Assert.Equal(ChangeTiming.Live, Assert.Single(back.Items).Timing);
        Assert.Equal(["0:3", "1:7"], Pins(spec.Id));

        // Beyond it: the definition gets every pin, the guest gets them at its next boot.
        var more = await adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { VCpus = 4, PinnedCores = [3, 7, 8, 9] }, None);
        Assert.Equal(ChangeTiming.NextBoot, Assert.Single(more.Items).Timing);
        Assert.Equal(["0:3", "1:7", "2:8", "3:9"], Pins(spec.Id));
        Assert.Equal(2, Assert.Single(await adapter.ListDomainsAsync(None)).VCpus);

        await adapter.PowerOffDomainAsync(spec.Id, None);
        await adapter.StartDomainAsync(spec.Id, None);
        Assert.Equal(4, Assert.Single(await adapter.ListDomainsAsync(None)).VCpus);

        var outside = await Assert.ThrowsAsync<HypervisorAdapterException>(
            () => adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { VCpus = 1, PinnedCores = [12] }, None));
        Assert.Equal(AdapterErrorCode.InvalidSpec, outside.Code);
    }

    [Fact]
    public async Task Memory_beyond_the_running_ceiling_waits_for_the_next_boot()
    {
        var adapter = await node.ConnectAsync(persist: true);
        var spec = TestNode.Spec("web-01", memoryBytes: 2 * TestNode.GiB);
        await adapter.DefineDomainAsync(spec, None);
        await adapter.StartDomainAsync(spec.Id, None);

        var more = await adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { MemoryBytes = 4 * TestNode.GiB }, None);

        Assert.Equal(new HardwareChangeItem(HardwareItem.Memory, ChangeTiming.NextBoot), Assert.Single(more.Items));
        Assert.Equal("4194304", (string?)SavedDomain(spec.Id).Element("memory"));
        Assert.Equal(2 * TestNode.GiB, Assert.Single(await adapter.ListDomainsAsync(None)).MemoryBytes);
    }

    [Fact]
    public async Task Parked_and_paused_domains_stay_so_across_a_restart()
    {
        var first = await node.ConnectAsync(persist: true);
        var parked = TestNode.Spec("db-01");
        var paused = TestNode.Spec("web-01");
        foreach (var spec in new[] { parked, paused })
        {
            await first.DefineDomainAsync(spec, None);
            await first.StartDomainAsync(spec.Id, None);
        }

        await first.ParkDomainAsync(parked.Id, None);
        await first.PauseDomainAsync(paused.Id, None);
        await first.DisposeAsync();

        var second = await node.ConnectAsync(persist: true);

        Assert.Equal(DomainState.Parked, await second.GetDomainStateAsync(parked.Id, None));
        Assert.Equal(DomainState.Paused, await second.GetDomainStateAsync(paused.Id, None));
        await second.UnparkDomainAsync(parked.Id, None);
        Assert.Equal(DomainState.Running, await second.GetDomainStateAsync(parked.Id, None));
    }

    [Fact]
    public async Task Recovery_points_survive_a_restart_with_their_time_note_and_memory()
    {
        var first = await node.ConnectAsync(persist: true);
        var spec = TestNode.Spec("web-01");
        await first.DefineDomainAsync(spec, None);
        var cold = await first.CreateRecoveryPointAsync(spec.Id, "cold", "Fresh install <stopped> & clean", None);
        await first.StartDomainAsync(spec.Id, None);
        var live = await first.CreateRecoveryPointAsync(spec.Id, "live", null, None);
        await first.DisposeAsync();

        var second = await node.ConnectAsync(persist: true);

        Assert.Equal([cold, live], await second.ListRecoveryPointsAsync(spec.Id, None));
        await second.RevertToRecoveryPointAsync(spec.Id, "cold", None);
        Assert.Equal(DomainState.ShutOff, await second.GetDomainStateAsync(spec.Id, None));
        await second.RevertToRecoveryPointAsync(spec.Id, "live", None);
        Assert.Equal(DomainState.Running, await second.GetDomainStateAsync(spec.Id, None));
    }

    [Fact]
    public async Task Deleting_leaves_nothing_of_the_domain_in_the_node_file()
    {
        var adapter = await node.ConnectAsync(persist: true);
        var spec = TestNode.Spec("web-01");
        await adapter.DefineDomainAsync(spec, None);
        await adapter.StartDomainAsync(spec.Id, None);
        await adapter.CreateRecoveryPointAsync(spec.Id, "rp-1", null, None);
        await adapter.ParkDomainAsync(spec.Id, None);

        await adapter.DeleteDomainAsync(spec.Id, deleteStorage: true, None);

        Assert.Empty(TestDriverNodeFile.Current(node.FilePath).Root!.Elements("domain"));
    }

    [Fact]
    public async Task The_test_driver_reports_its_fake_lease_address()
    {
        var adapter = await node.ConnectAsync();
        var spec = TestNode.Spec("web-01");
        await adapter.DefineDomainAsync(spec, None);
        await adapter.StartDomainAsync(spec.Id, None);

        var address = Assert.Single(await adapter.GetInterfaceAddressesAsync(spec.Id, None));

        Assert.Equal(new InterfaceAddress("52:54:00:00:00:01", "192.168.122.3", 24, AddressSource.Lease), address);
    }

    [Fact]
    public void Capabilities_differ_by_driver_only_where_the_code_differs()
    {
        // Live migration needs a second real node; the QEMU tests migrate between two libvirtd instances.
        Assert.Equal(
            AdapterCapabilities.DiskGrow | AdapterCapabilities.LiveMigration,
            LibvirtAdapter.CapabilitiesOf("qemu") & ~LibvirtAdapter.CapabilitiesOf("test"));

        // QEMU domains have no hot-pluggable vCPUs; the test driver simulates setting them live, and makes its usage up.
        Assert.Equal(AdapterCapabilities.LiveVcpuChange | AdapterCapabilities.SimulatedUsage, LibvirtAdapter.CapabilitiesOf("test") & ~LibvirtAdapter.CapabilitiesOf("qemu"));
        Assert.True(LibvirtAdapter.CapabilitiesOf("qemu").HasFlag(AdapterCapabilities.UsageSampling));
        Assert.Equal(LibvirtAdapter.CapabilitiesOf("qemu"), LibvirtAdapter.CapabilitiesOf("kvm"));
    }

    [Theory]
    [InlineData(0, 0, DomainEventKind.Defined)]
    [InlineData(2, 1, DomainEventKind.Started)]
    [InlineData(3, 0, DomainEventKind.Paused)]
    [InlineData(5, 0, DomainEventKind.Stopped)]
    [InlineData(5, 4, DomainEventKind.Parked)]
    [InlineData(8, 0, DomainEventKind.Crashed)]
    [InlineData(7, 0, DomainEventKind.Other)]
    [InlineData(6, 1, DomainEventKind.ShuttingDown)]
    [InlineData(6, 2, null)]
    public void Libvirt_lifecycle_events_map_to_the_sdks_kinds(int type, int detail, DomainEventKind? expected)
    {
        Assert.Equal(expected, LibvirtAdapter.ToEventKind(type, detail));
    }

    private XElement SavedDomain(Guid id) =>
        TestDriverNodeFile.Current(node.FilePath).Root!.Elements("domain").Single(d => (string?)d.Element("uuid") == id.ToString("D"));

    private List<string> Pins(Guid id) =>
        SavedDomain(id).Element("cputune")?.Elements("vcpupin").Select(p => $"{(string?)p.Attribute("vcpu")}:{(string?)p.Attribute("cpuset")}").ToList() ?? [];
}
