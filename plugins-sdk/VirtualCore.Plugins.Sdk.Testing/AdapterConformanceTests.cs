using Xunit;

namespace VirtualCore.Plugins.Sdk.Testing;

/// <summary>
/// The contract of <see cref="IHypervisorAdapter"/> as tests. Derive once per adapter and node kind:
/// <code>public sealed class MyAdapterConformance : AdapterConformanceTests { protected override IHypervisorAdapter CreateAdapter() => new MyAdapter(...); }</code>
/// Every test gets a fresh, connected adapter and removes the domains it defined. A test of a capability the
/// adapter does not declare is skipped with that reason, and its twin checks that the operation answers
/// <see cref="AdapterErrorCode.NotSupported"/> (see CONFORMANCE.md).
/// </summary>
public abstract class AdapterConformanceTests : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;

    private readonly List<Guid> defined = [];
    private IHypervisorAdapter? adapter;

    /// <summary>The adapter under test, connected.</summary>
    protected IHypervisorAdapter Adapter => adapter ?? throw new InvalidOperationException("The adapter is made in InitializeAsync.");

    /// <summary>How long the suite waits for something asynchronous, such as an event.</summary>
    protected virtual TimeSpan Patience => TimeSpan.FromSeconds(10);

    private static CancellationToken None => CancellationToken.None;

    public async Task InitializeAsync()
    {
        adapter = CreateAdapter();
        await adapter.ConnectAsync(None);
    }

    public async Task DisposeAsync()
    {
        if (adapter is null)
        {
            return;
        }

        foreach (var id in defined)
        {
            await adapter.DeleteDomainAsync(id, deleteStorage: true, None);
        }

        await adapter.DisposeAsync();
    }

    /// <summary>A new, unconnected adapter for the node under test.</summary>
    protected abstract IHypervisorAdapter CreateAdapter();

    /// <summary>
    /// A domain the node can define and start: override where disks must exist or the network has another name.
    /// The suite asks for 2 vCPUs and 256 MiB so that live decreases have room.
    /// </summary>
    protected virtual DomainSpec CreateDomainSpec(Guid id, string name) =>
        new(
            id,
            name,
            2,
            256 * MiB,
            [],
            [new DiskSpec($"/var/lib/vcore-conformance/{name}.qcow2", 1024 * MiB)],
            null,
            [new NicSpec("default", "52:54:00:" + string.Join(':', id.ToByteArray()[..3].Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))))]);

    /// <summary>An ISO on the node for the CD-ROM test.</summary>
    protected virtual string IsoPath => "/var/lib/vcore-conformance/install.iso";

    // ---- Always required -------------------------------------------------------------------------------

    [ConformanceFact]
    public async Task A_domain_is_defined_started_shut_down_powered_off_and_undefined()
    {
        var spec = await DefineAsync();
        var info = Assert.Single(await Adapter.ListDomainsAsync(None), d => d.Id == spec.Id);
        Assert.Equal((spec.Name, DomainState.ShutOff, spec.VCpus, spec.MemoryBytes), (info.Name, info.State, info.VCpus, info.MemoryBytes));

        await Adapter.StartDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.Running, await Adapter.GetDomainStateAsync(spec.Id, None));

        await Adapter.ShutdownDomainAsync(spec.Id, None);
        await Adapter.PowerOffDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.ShutOff, await Adapter.GetDomainStateAsync(spec.Id, None));

        await Adapter.UndefineDomainAsync(spec.Id, None);
        Assert.DoesNotContain(await Adapter.ListDomainsAsync(None), d => d.Id == spec.Id);
    }

    [ConformanceFact]
    public async Task Repeated_lifecycle_calls_change_nothing_more()
    {
        var spec = await DefineAsync();
        var again = await Adapter.DefineDomainAsync(spec, None);
        Assert.Equal(spec.Id, again.Id);
        Assert.Single(await Adapter.ListDomainsAsync(None), d => d.Id == spec.Id);

        await Adapter.PowerOffDomainAsync(spec.Id, None);
        await Adapter.ShutdownDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.ShutOff, await Adapter.GetDomainStateAsync(spec.Id, None));

        await Adapter.StartDomainAsync(spec.Id, None);
        await Adapter.StartDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.Running, await Adapter.GetDomainStateAsync(spec.Id, None));

        await Adapter.PowerOffDomainAsync(spec.Id, None);
        await Adapter.PowerOffDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.ShutOff, await Adapter.GetDomainStateAsync(spec.Id, None));

        await Adapter.UndefineDomainAsync(spec.Id, None);
        await Adapter.UndefineDomainAsync(spec.Id, None);
        Assert.DoesNotContain(await Adapter.ListDomainsAsync(None), d => d.Id == spec.Id);
    }

    [ConformanceFact]
    public async Task The_same_name_under_another_id_is_a_second_domain()
    {
        // Names are chosen by customers and shared across them: the node tells domains apart by id only.
        var spec = await DefineAsync();
        var twinId = Guid.NewGuid();
        var twin = CreateDomainSpec(twinId, "twin-" + twinId.ToString("N")[..12]) with { Name = spec.Name };
        defined.Add(twinId);

        await Adapter.DefineDomainAsync(twin, None);

        var domains = (await Adapter.ListDomainsAsync(None)).Where(d => d.Id == spec.Id || d.Id == twinId).ToList();
        Assert.Equal([spec.Name, spec.Name], domains.Select(d => d.Name));
        Assert.Equal(2, domains.Select(d => d.Id).Distinct().Count());
    }

    [ConformanceFact]
    public async Task Every_call_on_an_unknown_domain_is_DomainNotFound()
    {
        var unknown = Guid.NewGuid();
        var calls = new List<(string Name, Func<Task> Call)>
        {
            ("GetDomainState", () => Adapter.GetDomainStateAsync(unknown, None)),
            ("StartDomain", () => Adapter.StartDomainAsync(unknown, None)),
            ("ShutdownDomain", () => Adapter.ShutdownDomainAsync(unknown, None)),
            ("PowerOffDomain", () => Adapter.PowerOffDomainAsync(unknown, None)),
            ("UpdateHardware", () => Adapter.UpdateHardwareAsync(unknown, new HardwareChange { VCpus = 1 }, None)),
        };
        foreach (var (capability, name, call) in OptionalOperations(unknown))
        {
            if (Adapter.Capabilities.HasFlag(capability))
            {
                calls.Add((name, call));
            }
        }

        foreach (var (name, call) in calls)
        {
            var error = await Assert.ThrowsAsync<HypervisorAdapterException>(call);
            Assert.True(error.Code == AdapterErrorCode.DomainNotFound, $"{name} answered {error.Code}, not DomainNotFound: {error.Message}");
        }
    }

    [ConformanceFact]
    public async Task Undefining_a_running_domain_is_InvalidState()
    {
        var spec = await DefineAsync();
        await Adapter.StartDomainAsync(spec.Id, None);

        await AssertCode(AdapterErrorCode.InvalidState, () => Adapter.UndefineDomainAsync(spec.Id, None));
        Assert.Equal(DomainState.Running, await Adapter.GetDomainStateAsync(spec.Id, None));
    }

    [ConformanceFact]
    public async Task Deleting_removes_a_running_domain_and_repeats_quietly()
    {
        var spec = await DefineAsync();
        await Adapter.StartDomainAsync(spec.Id, None);

        await Adapter.DeleteDomainAsync(spec.Id, deleteStorage: true, None);
        await Adapter.DeleteDomainAsync(spec.Id, deleteStorage: true, None);
        await Adapter.DeleteDomainAsync(Guid.NewGuid(), deleteStorage: false, None);

        Assert.DoesNotContain(await Adapter.ListDomainsAsync(None), d => d.Id == spec.Id);
    }

    [ConformanceFact]
    public async Task Hardware_of_a_stopped_domain_changes_for_its_next_boot()
    {
        var spec = await DefineAsync();
        var change = new HardwareChange
        {
            VCpus = 1,
            MemoryBytes = 512 * MiB,
            BootOrder = [BootDevice.Cdrom, BootDevice.Disk],
            DiskBus = DiskBus.Sata,
            NicModel = NicModel.E1000,
        };

        var first = await Adapter.UpdateHardwareAsync(spec.Id, change, None);
        var second = await Adapter.UpdateHardwareAsync(spec.Id, change, None);

        Assert.Equal(
            [HardwareItem.VCpus, HardwareItem.Memory, HardwareItem.BootOrder, HardwareItem.DiskBus, HardwareItem.NicModel],
            first.Items.Select(i => i.Item).Order());
        Assert.All(first.Items, i => Assert.Equal(ChangeTiming.NextBoot, i.Timing));
        Assert.Equal(first.Items, second.Items);
        var info = Assert.Single(await Adapter.ListDomainsAsync(None), d => d.Id == spec.Id);
        Assert.Equal((1, 512 * MiB), (info.VCpus, info.MemoryBytes));

        await Adapter.StartDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.Running, await Adapter.GetDomainStateAsync(spec.Id, None));
    }

    [ConformanceFact]
    public async Task An_impossible_hardware_change_is_InvalidSpec()
    {
        var spec = await DefineAsync();

        await AssertCode(AdapterErrorCode.InvalidSpec, () => Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { VCpus = 0 }, None));
        await AssertCode(AdapterErrorCode.InvalidSpec, () => Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { MemoryBytes = 1000 }, None));
    }

    // ---- Optional, one pair per capability --------------------------------------------------------------

    [ConformanceFact]
    public async Task Reboot_restarts_a_running_domain_and_refuses_a_stopped_one()
    {
        Declared(AdapterCapabilities.Reboot);
        var spec = await DefineAsync();
        await AssertCode(AdapterErrorCode.InvalidState, () => Adapter.RebootDomainAsync(spec.Id, None));

        await Adapter.StartDomainAsync(spec.Id, None);
        await Adapter.RebootDomainAsync(spec.Id, None);

        Assert.Equal(DomainState.Running, await Adapter.GetDomainStateAsync(spec.Id, None));
    }

    [ConformanceFact]
    public Task Reboot_is_NotSupported_when_not_declared() =>
        AssertNotSupportedUnlessDeclared(AdapterCapabilities.Reboot, id => Adapter.RebootDomainAsync(id, None));

    [ConformanceFact]
    public async Task Reset_restarts_a_running_domain_and_refuses_a_stopped_one()
    {
        Declared(AdapterCapabilities.Reset);
        var spec = await DefineAsync();
        await AssertCode(AdapterErrorCode.InvalidState, () => Adapter.ResetDomainAsync(spec.Id, None));

        await Adapter.StartDomainAsync(spec.Id, None);
        await Adapter.ResetDomainAsync(spec.Id, None);

        Assert.Equal(DomainState.Running, await Adapter.GetDomainStateAsync(spec.Id, None));
    }

    [ConformanceFact]
    public Task Reset_is_NotSupported_when_not_declared() =>
        AssertNotSupportedUnlessDeclared(AdapterCapabilities.Reset, id => Adapter.ResetDomainAsync(id, None));

    [ConformanceFact]
    public async Task Pause_and_resume_are_idempotent_and_refuse_a_stopped_domain()
    {
        Declared(AdapterCapabilities.Pause);
        var spec = await DefineAsync();
        await AssertCode(AdapterErrorCode.InvalidState, () => Adapter.PauseDomainAsync(spec.Id, None));
        await AssertCode(AdapterErrorCode.InvalidState, () => Adapter.ResumeDomainAsync(spec.Id, None));
        await Adapter.StartDomainAsync(spec.Id, None);

        await Adapter.PauseDomainAsync(spec.Id, None);
        await Adapter.PauseDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.Paused, await Adapter.GetDomainStateAsync(spec.Id, None));

        await Adapter.ResumeDomainAsync(spec.Id, None);
        await Adapter.ResumeDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.Running, await Adapter.GetDomainStateAsync(spec.Id, None));
    }

    [ConformanceFact]
    public Task Pause_is_NotSupported_when_not_declared() =>
        AssertNotSupportedUnlessDeclared(
            AdapterCapabilities.Pause, id => Adapter.PauseDomainAsync(id, None), id => Adapter.ResumeDomainAsync(id, None));

    [ConformanceFact]
    public async Task Park_and_unpark_are_idempotent_and_need_saved_memory()
    {
        Declared(AdapterCapabilities.ManagedSave);
        var spec = await DefineAsync();
        await AssertCode(AdapterErrorCode.InvalidState, () => Adapter.ParkDomainAsync(spec.Id, None));
        await AssertCode(AdapterErrorCode.InvalidState, () => Adapter.UnparkDomainAsync(spec.Id, None));
        await Adapter.StartDomainAsync(spec.Id, None);

        await Adapter.ParkDomainAsync(spec.Id, None);
        await Adapter.ParkDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.Parked, await Adapter.GetDomainStateAsync(spec.Id, None));
        Assert.Equal(DomainState.Parked, Assert.Single(await Adapter.ListDomainsAsync(None), d => d.Id == spec.Id).State);

        await Adapter.UnparkDomainAsync(spec.Id, None);
        await Adapter.UnparkDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.Running, await Adapter.GetDomainStateAsync(spec.Id, None));
    }

    [ConformanceFact]
    public async Task A_parked_domain_refuses_hardware_changes_and_is_deleted_with_its_saved_memory()
    {
        Declared(AdapterCapabilities.ManagedSave);
        var spec = await DefineAsync();
        await Adapter.StartDomainAsync(spec.Id, None);
        await Adapter.ParkDomainAsync(spec.Id, None);

        await AssertCode(AdapterErrorCode.InvalidState, () => Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { VCpus = 1 }, None));
        await Adapter.DeleteDomainAsync(spec.Id, deleteStorage: true, None);

        Assert.DoesNotContain(await Adapter.ListDomainsAsync(None), d => d.Id == spec.Id);
    }

    [ConformanceFact]
    public Task Park_is_NotSupported_when_not_declared() =>
        AssertNotSupportedUnlessDeclared(
            AdapterCapabilities.ManagedSave,
            id => Adapter.ParkDomainAsync(id, None),
            id => Adapter.UnparkDomainAsync(id, None),
            id => Adapter.UnparkDomainAsync(id, [0, 1], None));

    [ConformanceFact]
    public async Task Unpark_onto_other_cores_restores_the_domain_and_refuses_bad_pins_before_restoring()
    {
        Declared(AdapterCapabilities.ManagedSave | AdapterCapabilities.CpuPinning);
        var id = Guid.NewGuid();
        var spec = CreateDomainSpec(id, "conf-" + id.ToString("N")[..12]);
        spec = spec with { PinnedCores = Enumerable.Range(0, spec.VCpus).ToArray() };
        defined.Add(id);
        await Adapter.DefineDomainAsync(spec, None);
        await Adapter.StartDomainAsync(id, None);
        await Adapter.ParkDomainAsync(id, None);

        // One distinct core per vCPU, on the node: anything else is refused and the domain stays parked.
        await AssertCode(AdapterErrorCode.InvalidSpec, () => Adapter.UnparkDomainAsync(id, spec.PinnedCores.Skip(1).ToArray(), None));
        await AssertCode(AdapterErrorCode.InvalidSpec, () => Adapter.UnparkDomainAsync(id, spec.PinnedCores.Select(_ => 0).ToArray(), None));
        await AssertCode(AdapterErrorCode.InvalidSpec, () => Adapter.UnparkDomainAsync(id, spec.PinnedCores.Select(core => core + 1_000_000).ToArray(), None));
        Assert.Equal(DomainState.Parked, await Adapter.GetDomainStateAsync(id, None));

        var moved = spec.PinnedCores.Reverse().ToArray();
        await Adapter.UnparkDomainAsync(id, moved, None);
        await Adapter.UnparkDomainAsync(id, moved, None);
        Assert.Equal(DomainState.Running, await Adapter.GetDomainStateAsync(id, None));
    }

    [ConformanceFact]
    public async Task VCpus_change_live_within_the_running_maximum()
    {
        Declared(AdapterCapabilities.LiveVcpuChange);
        var spec = await DefineAsync();
        await Adapter.StartDomainAsync(spec.Id, None);

        var fewer = await Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { VCpus = 1 }, None);
        var again = await Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { VCpus = 1 }, None);
        var back = await Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { VCpus = 2 }, None);

        Assert.Equal(new HardwareChangeItem(HardwareItem.VCpus, ChangeTiming.Live), Assert.Single(fewer.Items));
        Assert.Equal(fewer, again, HardwareResultComparer.Instance);
        Assert.Equal(new HardwareChangeItem(HardwareItem.VCpus, ChangeTiming.Live), Assert.Single(back.Items));
        Assert.Equal(2, Assert.Single(await Adapter.ListDomainsAsync(None), d => d.Id == spec.Id).VCpus);
    }

    [ConformanceFact]
    public async Task VCpus_of_a_running_domain_change_at_next_boot_when_not_live()
    {
        Missing(AdapterCapabilities.LiveVcpuChange);
        var spec = await DefineAsync();
        await Adapter.StartDomainAsync(spec.Id, None);

        var result = await Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { VCpus = 1 }, None);

        Assert.Equal(new HardwareChangeItem(HardwareItem.VCpus, ChangeTiming.NextBoot), Assert.Single(result.Items));
    }

    [ConformanceFact]
    public async Task Memory_changes_live_within_the_running_maximum()
    {
        Declared(AdapterCapabilities.LiveMemoryChange);
        var spec = await DefineAsync();
        await Adapter.StartDomainAsync(spec.Id, None);

        var less = await Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { MemoryBytes = spec.MemoryBytes / 2 }, None);
        var again = await Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { MemoryBytes = spec.MemoryBytes / 2 }, None);
        var more = await Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { MemoryBytes = spec.MemoryBytes * 2 }, None);

        Assert.Equal(new HardwareChangeItem(HardwareItem.Memory, ChangeTiming.Live), Assert.Single(less.Items));
        Assert.Equal(less, again, HardwareResultComparer.Instance);
        Assert.Equal(new HardwareChangeItem(HardwareItem.Memory, ChangeTiming.NextBoot), Assert.Single(more.Items));
    }

    [ConformanceFact]
    public async Task Memory_of_a_running_domain_changes_at_next_boot_when_not_live()
    {
        Missing(AdapterCapabilities.LiveMemoryChange);
        var spec = await DefineAsync();
        await Adapter.StartDomainAsync(spec.Id, None);

        var result = await Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { MemoryBytes = spec.MemoryBytes / 2 }, None);

        Assert.Equal(new HardwareChangeItem(HardwareItem.Memory, ChangeTiming.NextBoot), Assert.Single(result.Items));
    }

    [ConformanceFact]
    public async Task A_disk_grows_and_never_shrinks()
    {
        Declared(AdapterCapabilities.DiskGrow);
        var spec = await DefineAsync();
        var disk = spec.Disks[0];

        var grown = await Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { DiskGrowths = [new DiskGrowth(disk.Path, disk.CapacityBytes * 2)] }, None);

        Assert.Equal(HardwareItem.Disk, Assert.Single(grown.Items).Item);
        Assert.Equal(disk.Path, grown.Items[0].Detail);
        await AssertCode(
            AdapterErrorCode.InvalidSpec,
            () => Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { DiskGrowths = [new DiskGrowth(disk.Path, disk.CapacityBytes)] }, None));
    }

    [ConformanceFact]
    public Task Disk_growth_is_NotSupported_when_not_declared() =>
        AssertNotSupportedUnlessDeclared(
            AdapterCapabilities.DiskGrow,
            id => Adapter.UpdateHardwareAsync(id, new HardwareChange { DiskGrowths = [new DiskGrowth("/var/lib/vcore-conformance/any.qcow2", 1 << 30)] }, None));

    [ConformanceFact]
    public async Task An_iso_is_attached_and_detached()
    {
        Declared(AdapterCapabilities.CdromChange);
        var spec = await DefineAsync();

        var attached = await Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { Cdrom = new CdromChange(IsoPath) }, None);
        var again = await Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { Cdrom = new CdromChange(IsoPath) }, None);
        var detached = await Adapter.UpdateHardwareAsync(spec.Id, new HardwareChange { Cdrom = new CdromChange(null) }, None);

        Assert.Equal(HardwareItem.Cdrom, Assert.Single(attached.Items).Item);
        Assert.Equal(attached, again, HardwareResultComparer.Instance);
        Assert.Equal(HardwareItem.Cdrom, Assert.Single(detached.Items).Item);
        await Adapter.StartDomainAsync(spec.Id, None);
    }

    [ConformanceFact]
    public Task Cdrom_change_is_NotSupported_when_not_declared() =>
        AssertNotSupportedUnlessDeclared(
            AdapterCapabilities.CdromChange, id => Adapter.UpdateHardwareAsync(id, new HardwareChange { Cdrom = new CdromChange(IsoPath) }, None));

    [ConformanceFact]
    public async Task Recovery_points_of_a_stopped_domain_are_created_once_listed_reverted_and_deleted()
    {
        Declared(AdapterCapabilities.RecoveryPoints);
        var spec = await DefineAsync();
        var before = DateTimeOffset.UtcNow.AddSeconds(-2);

        var created = await Adapter.CreateRecoveryPointAsync(spec.Id, "before-upgrade", "Before the upgrade", None);
        var again = await Adapter.CreateRecoveryPointAsync(spec.Id, "before-upgrade", "Before the upgrade", None);

        Assert.Equal(created, again);
        Assert.Equal(("before-upgrade", "Before the upgrade", false), (created.Name, created.Note, created.TakenLive));
        Assert.InRange(created.CreatedAt, before, DateTimeOffset.UtcNow.AddSeconds(2));
        Assert.Equal(created, Assert.Single(await Adapter.ListRecoveryPointsAsync(spec.Id, None)));

        await Adapter.RevertToRecoveryPointAsync(spec.Id, "before-upgrade", None);
        Assert.Equal(DomainState.ShutOff, await Adapter.GetDomainStateAsync(spec.Id, None));
        await AssertCode(AdapterErrorCode.RecoveryPointNotFound, () => Adapter.RevertToRecoveryPointAsync(spec.Id, "no-such-point", None));

        await Adapter.DeleteRecoveryPointAsync(spec.Id, "before-upgrade", None);
        await Adapter.DeleteRecoveryPointAsync(spec.Id, "before-upgrade", None);
        Assert.Empty(await Adapter.ListRecoveryPointsAsync(spec.Id, None));
    }

    [ConformanceFact]
    public async Task A_recovery_point_name_must_be_safe()
    {
        Declared(AdapterCapabilities.RecoveryPoints);
        var spec = await DefineAsync();

        await AssertCode(AdapterErrorCode.InvalidSpec, () => Adapter.CreateRecoveryPointAsync(spec.Id, "a'/><evil/>", null, None));
        Assert.Empty(await Adapter.ListRecoveryPointsAsync(spec.Id, None));
    }

    [ConformanceFact]
    public Task Recovery_points_are_NotSupported_when_not_declared() =>
        AssertNotSupportedUnlessDeclared(
            AdapterCapabilities.RecoveryPoints,
            id => Adapter.CreateRecoveryPointAsync(id, "rp-1", null, None),
            id => Adapter.ListRecoveryPointsAsync(id, None),
            id => Adapter.RevertToRecoveryPointAsync(id, "rp-1", None),
            id => Adapter.DeleteRecoveryPointAsync(id, "rp-1", None));

    [ConformanceFact]
    public async Task A_live_recovery_point_brings_the_domain_back_running()
    {
        Declared(AdapterCapabilities.RecoveryPoints | AdapterCapabilities.LiveRecoveryPoints);
        var spec = await DefineAsync();
        await Adapter.StartDomainAsync(spec.Id, None);

        var point = await Adapter.CreateRecoveryPointAsync(spec.Id, "live-1", null, None);
        await Adapter.PowerOffDomainAsync(spec.Id, None);
        await Adapter.RevertToRecoveryPointAsync(spec.Id, "live-1", None);

        Assert.True(point.TakenLive);
        Assert.Null(point.Note);
        Assert.Equal(DomainState.Running, await Adapter.GetDomainStateAsync(spec.Id, None));
    }

    [ConformanceFact]
    public async Task Live_recovery_points_are_NotSupported_when_not_declared()
    {
        Declared(AdapterCapabilities.RecoveryPoints);
        Missing(AdapterCapabilities.LiveRecoveryPoints);
        var spec = await DefineAsync();
        await Adapter.StartDomainAsync(spec.Id, None);

        await AssertCode(AdapterErrorCode.NotSupported, () => Adapter.CreateRecoveryPointAsync(spec.Id, "live-1", null, None));
    }

    [ConformanceFact]
    public async Task Addresses_belong_to_the_domains_own_interfaces_and_appear_once()
    {
        Declared(AdapterCapabilities.InterfaceAddresses);
        var spec = await DefineAsync();
        Assert.Empty(await Adapter.GetInterfaceAddressesAsync(spec.Id, None));
        await Adapter.StartDomainAsync(spec.Id, None);

        var addresses = await Adapter.GetInterfaceAddressesAsync(spec.Id, None);

        var macs = spec.Nics.Select(n => n.MacAddress.ToLowerInvariant()).ToHashSet();
        Assert.All(addresses, a =>
        {
            Assert.Contains(a.MacAddress, macs);
            Assert.True(System.Net.IPAddress.TryParse(a.Address, out _), $"'{a.Address}' is not an IP address.");
            Assert.InRange(a.PrefixLength, 0, 128);
            Assert.True(Enum.IsDefined(a.Source));
        });
        Assert.Equal(addresses.Count, addresses.Select(a => (a.MacAddress, a.Address)).Distinct().Count());
    }

    [ConformanceFact]
    public Task Interface_addresses_are_NotSupported_when_not_declared() =>
        AssertNotSupportedUnlessDeclared(AdapterCapabilities.InterfaceAddresses, id => Adapter.GetInterfaceAddressesAsync(id, None));

    // A node alone has nowhere to migrate to: what LiveMigration promises is checked on two nodes by AdapterMigrationConformanceTests.
    [ConformanceFact]
    public Task Migration_is_NotSupported_when_not_declared() =>
        AssertNotSupportedUnlessDeclared(
            AdapterCapabilities.LiveMigration, id => Adapter.MigrateDomainAsync(id, new MigrationTarget("rack-x", "none://"), null, None));

    [ConformanceFact]
    public async Task Domain_events_report_changes_as_they_happen()
    {
        Declared(AdapterCapabilities.DomainEvents);
        var spec = await DefineAsync();
        using var timeout = new CancellationTokenSource(Patience);
        var seen = new List<DomainEventKind>();
        var events = Adapter.WatchDomainEventsAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);

        // The first MoveNextAsync registers the watch; the domain is started once it waits.
        var next = events.MoveNextAsync().AsTask();
        try
        {
            await Task.Delay(100, None);
            await Adapter.StartDomainAsync(spec.Id, None);
            await Adapter.PowerOffDomainAsync(spec.Id, None);
            while (!seen.Contains(DomainEventKind.Stopped))
            {
                Assert.True(await next, $"The event stream ended after {string.Join(", ", seen)}.");
                if (events.Current.DomainId == spec.Id)
                {
                    seen.Add(events.Current.Kind);
                }

                next = events.MoveNextAsync().AsTask();
            }
        }
        finally
        {
            // An enumerator is disposed only once no MoveNextAsync is pending: stop the one in flight first.
            await timeout.CancelAsync();
            try
            {
                await next;
            }
            catch (OperationCanceledException)
            {
            }

            await events.DisposeAsync();
        }

        // A hypervisor may also report the vCPUs resuming as the domain starts (QEMU starts them paused and libvirt
        // reports "resumed" when that overlaps the start); what must be there, in order, is started then stopped.
        Assert.Equal([DomainEventKind.Started, DomainEventKind.Stopped], seen.Where(kind => kind != DomainEventKind.Resumed));
    }

    [ConformanceFact]
    public async Task Domain_events_are_NotSupported_when_not_declared()
    {
        Missing(AdapterCapabilities.DomainEvents);

        await AssertCode(AdapterErrorCode.NotSupported, async () =>
        {
            await foreach (var domainEvent in Adapter.WatchDomainEventsAsync(None))
            {
                Assert.Fail($"An adapter without DomainEvents yielded {domainEvent}.");
            }
        });
    }

    [ConformanceFact]
    public async Task A_console_speaks_RFB_from_its_first_byte_and_only_while_the_domain_runs()
    {
        Declared(AdapterCapabilities.GraphicalConsole);
        var spec = await DefineAsync();
        await AssertCode(AdapterErrorCode.InvalidState, () => Adapter.OpenConsoleAsync(spec.Id, None));
        await Adapter.StartDomainAsync(spec.Id, None);

        for (var connection = 0; connection < 2; connection++)
        {
            await using var console = await Adapter.OpenConsoleAsync(spec.Id, None);
            using var timeout = new CancellationTokenSource(Patience);
            var greeting = new byte[12];
            await console.ReadExactlyAsync(greeting, timeout.Token);
            Assert.StartsWith("RFB 003.", System.Text.Encoding.ASCII.GetString(greeting), StringComparison.Ordinal);
        }
    }

    [ConformanceFact]
    public async Task A_serial_console_opens_only_while_the_domain_runs_and_takes_what_is_typed()
    {
        Declared(AdapterCapabilities.SerialConsole);
        var spec = await DefineAsync();
        await AssertCode(AdapterErrorCode.InvalidState, () => Adapter.OpenSerialConsoleAsync(spec.Id, None));
        await Adapter.StartDomainAsync(spec.Id, None);

        // A second connection takes the port over from the first; each takes bytes and closes cleanly.
        for (var connection = 0; connection < 2; connection++)
        {
            await using var serial = await Adapter.OpenSerialConsoleAsync(spec.Id, None);
            using var timeout = new CancellationTokenSource(Patience);
            await serial.WriteAsync("\r"u8.ToArray(), timeout.Token);
            await serial.FlushAsync(timeout.Token);
        }
    }

    [ConformanceFact]
    public Task A_serial_console_is_NotSupported_when_not_declared() =>
        AssertNotSupportedUnlessDeclared(AdapterCapabilities.SerialConsole, id => Adapter.OpenSerialConsoleAsync(id, None));

    [ConformanceFact]
    public Task A_console_is_NotSupported_when_not_declared() =>
        AssertNotSupportedUnlessDeclared(AdapterCapabilities.GraphicalConsole, id => Adapter.OpenConsoleAsync(id, None));

    [ConformanceFact]
    public async Task A_domain_with_a_cloud_init_seed_is_defined_started_repeated_and_deleted()
    {
        Declared(AdapterCapabilities.CloudInitSeed);
        var seed = new CloudInitSeed("instance-id: conformance\nlocal-hostname: conformance\n", "#cloud-config\n", "version: 2\nethernets: {}\n");

        var spec = await DefineAsync(spec => spec with { CloudInit = seed });
        await Adapter.DefineDomainAsync(spec with { CloudInit = seed }, None);
        await Adapter.StartDomainAsync(spec.Id, None);

        Assert.Equal(DomainState.Running, await Adapter.GetDomainStateAsync(spec.Id, None));
        Assert.Single(await Adapter.ListDomainsAsync(None), d => d.Id == spec.Id);
        await Adapter.DeleteDomainAsync(spec.Id, deleteStorage: true, None);
        Assert.DoesNotContain(await Adapter.ListDomainsAsync(None), d => d.Id == spec.Id);
    }

    [ConformanceFact]
    public async Task A_cloud_init_seed_is_NotSupported_when_not_declared_and_nothing_is_defined()
    {
        Missing(AdapterCapabilities.CloudInitSeed);
        var id = Guid.NewGuid();
        var spec = CreateDomainSpec(id, "conf-" + id.ToString("N")[..12]) with { CloudInit = new CloudInitSeed("instance-id: x\n", "#cloud-config\n", null) };
        defined.Add(id);

        await AssertCode(AdapterErrorCode.NotSupported, () => Adapter.DefineDomainAsync(spec, None));
        Assert.DoesNotContain(await Adapter.ListDomainsAsync(None), d => d.Id == id);
    }

    [ConformanceFact]
    public async Task A_stopped_domains_disk_is_exported_read_from_any_offset_repeated_and_deleted()
    {
        Declared(AdapterCapabilities.DiskExport);
        var spec = await DefineAsync();
        var exportId = Guid.NewGuid();

        var export = await Adapter.ExportDiskAsync(spec.Id, new DiskExportRequest(exportId, DiskExportFormat.Raw), null, None);
        Assert.Equal(exportId, export.ExportId);
        Assert.True(export.SizeBytes >= 4096, $"A raw export of a disk of {spec.Disks[0].CapacityBytes} bytes has {export.SizeBytes}.");
        Assert.Equal(export, await Adapter.ExportDiskAsync(spec.Id, new DiskExportRequest(exportId, DiskExportFormat.Raw), null, None));

        // A read from an offset gets the same bytes as the read from the start does there; at the end there is nothing left.
        var head = await ReadExportAsync(spec.Id, exportId, 0, 4096);
        Assert.Equal(head[100..4096], await ReadExportAsync(spec.Id, exportId, 100, 3996));
        await using (var end = await Adapter.OpenDiskExportAsync(spec.Id, exportId, export.SizeBytes, None))
        {
            Assert.Equal(0, await end.ReadAsync(new byte[1]));
        }

        await AssertCode(AdapterErrorCode.InvalidSpec, () => Adapter.OpenDiskExportAsync(spec.Id, exportId, export.SizeBytes + 1, None));
        await AssertCode(AdapterErrorCode.DiskExportNotFound, () => Adapter.OpenDiskExportAsync(spec.Id, Guid.NewGuid(), 0, None));

        await Adapter.DeleteDiskExportAsync(spec.Id, exportId, None);
        await Adapter.DeleteDiskExportAsync(spec.Id, exportId, None);
        await AssertCode(AdapterErrorCode.DiskExportNotFound, () => Adapter.OpenDiskExportAsync(spec.Id, exportId, 0, None));
    }

    [ConformanceFact]
    public async Task A_running_domains_disk_is_exported_only_from_a_recovery_point()
    {
        Declared(AdapterCapabilities.DiskExport);
        var spec = await DefineAsync();
        await Adapter.StartDomainAsync(spec.Id, None);

        await AssertCode(AdapterErrorCode.InvalidState, () => Adapter.ExportDiskAsync(spec.Id, new DiskExportRequest(Guid.NewGuid(), DiskExportFormat.Qcow2), null, None));
        await AssertCode(
            AdapterErrorCode.RecoveryPointNotFound,
            () => Adapter.ExportDiskAsync(spec.Id, new DiskExportRequest(Guid.NewGuid(), DiskExportFormat.Qcow2, "no-such-point"), null, None));
        if (!Adapter.Capabilities.HasFlag(AdapterCapabilities.RecoveryPoints | AdapterCapabilities.LiveRecoveryPoints))
        {
            return;
        }

        await Adapter.CreateRecoveryPointAsync(spec.Id, "rp-export", null, None);
        var export = await Adapter.ExportDiskAsync(spec.Id, new DiskExportRequest(Guid.NewGuid(), DiskExportFormat.Qcow2, "rp-export"), null, None);
        Assert.True(export.SizeBytes > 0);
        Assert.Equal(DomainState.Running, await Adapter.GetDomainStateAsync(spec.Id, None));
        await Adapter.DeleteDomainAsync(spec.Id, deleteStorage: true, None);
    }

    [ConformanceFact]
    public Task Disk_exports_are_NotSupported_when_not_declared() =>
        AssertNotSupportedUnlessDeclared(
            AdapterCapabilities.DiskExport,
            id => Adapter.ExportDiskAsync(id, new DiskExportRequest(Guid.NewGuid(), DiskExportFormat.Raw), null, None),
            id => Adapter.OpenDiskExportAsync(id, Guid.NewGuid(), 0, None),
            id => Adapter.DeleteDiskExportAsync(id, Guid.NewGuid(), None));

    [ConformanceFact]
    public async Task Usage_is_read_for_running_and_paused_domains_only_and_its_counts_never_shrink()
    {
        Declared(AdapterCapabilities.UsageSampling);
        var running = await DefineAsync();
        var stopped = await DefineAsync();
        await Adapter.StartDomainAsync(running.Id, None);

        var first = await Adapter.SampleUsageAsync(None);
        var second = await Adapter.SampleUsageAsync(None);
        Assert.True(second.TakenAt >= first.TakenAt, "A later sample was taken earlier.");
        Assert.DoesNotContain(first.Domains, d => d.DomainId == stopped.Id);
        var before = Assert.Single(first.Domains, d => d.DomainId == running.Id);
        var after = Assert.Single(second.Domains, d => d.DomainId == running.Id);
        Assert.Equal(running.VCpus, after.VCpus);
        Assert.InRange(after.MemoryBytes, 1, running.MemoryBytes);
        if (after.MemoryUsedBytes is { } used)
        {
            Assert.InRange(used, 0, after.MemoryBytes);
        }

        Assert.True(after.CpuNanoseconds >= before.CpuNanoseconds, "The CPU time shrank while the domain ran.");
        Assert.True(after.Disks.Sum(d => d.ReadBytes + d.WriteBytes) >= before.Disks.Sum(d => d.ReadBytes + d.WriteBytes), "The disk counts shrank.");
        Assert.True(after.Interfaces.Sum(i => i.ReceivedBytes + i.SentBytes) >= before.Interfaces.Sum(i => i.ReceivedBytes + i.SentBytes), "The network counts shrank.");
        Assert.All(after.Disks.Concat<object>(after.Interfaces), item => Assert.False(string.IsNullOrEmpty(item is DiskUsage d ? d.Name : ((InterfaceUsage)item).Name)));

        var node = second.Node;
        Assert.InRange(node.CpuBusyNanoseconds, 0, node.CpuTotalNanoseconds);
        Assert.True(node.CpuTotalNanoseconds >= first.Node.CpuTotalNanoseconds, "The node's CPU time shrank.");
        Assert.InRange(node.MemoryFreeBytes, 0, node.MemoryTotalBytes);
        Assert.True(node.MemoryTotalBytes > 0);

        if (Adapter.Capabilities.HasFlag(AdapterCapabilities.Pause))
        {
            await Adapter.PauseDomainAsync(running.Id, None);
            Assert.Contains((await Adapter.SampleUsageAsync(None)).Domains, d => d.DomainId == running.Id);
        }

        await Adapter.PowerOffDomainAsync(running.Id, None);
        Assert.DoesNotContain((await Adapter.SampleUsageAsync(None)).Domains, d => d.DomainId == running.Id);
    }

    [ConformanceFact]
    public Task Usage_sampling_is_NotSupported_when_not_declared() =>
        AssertNotSupportedUnlessDeclared(AdapterCapabilities.UsageSampling, _ => Adapter.SampleUsageAsync(None));

    private async Task<byte[]> ReadExportAsync(Guid domainId, Guid exportId, long offset, int length)
    {
        await using var stream = await Adapter.OpenDiskExportAsync(domainId, exportId, offset, None);
        var bytes = new byte[length];
        await stream.ReadExactlyAsync(bytes, None);
        return bytes;
    }

    /// <summary>Defines a fresh domain for this test; it is deleted after the test.</summary>
    protected Task<DomainSpec> DefineAsync() => DefineAsync(spec => spec);

    /// <summary>Defines a fresh domain, as <paramref name="change"/> makes the suite's spec, for this test; it is deleted after the test.</summary>
    protected async Task<DomainSpec> DefineAsync(Func<DomainSpec, DomainSpec> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var id = Guid.NewGuid();
        var spec = change(CreateDomainSpec(id, "conf-" + id.ToString("N")[..12]));
        defined.Add(id);
        await Adapter.DefineDomainAsync(spec, None);
        return spec;
    }

    private IEnumerable<(AdapterCapabilities Capability, string Name, Func<Task> Call)> OptionalOperations(Guid id) =>
    [
        (AdapterCapabilities.Reboot, "RebootDomain", () => Adapter.RebootDomainAsync(id, None)),
        (AdapterCapabilities.Reset, "ResetDomain", () => Adapter.ResetDomainAsync(id, None)),
        (AdapterCapabilities.Pause, "PauseDomain", () => Adapter.PauseDomainAsync(id, None)),
        (AdapterCapabilities.Pause, "ResumeDomain", () => Adapter.ResumeDomainAsync(id, None)),
        (AdapterCapabilities.ManagedSave, "ParkDomain", () => Adapter.ParkDomainAsync(id, None)),
        (AdapterCapabilities.ManagedSave, "UnparkDomain", () => Adapter.UnparkDomainAsync(id, None)),
        (AdapterCapabilities.ManagedSave | AdapterCapabilities.CpuPinning, "UnparkDomain onto cores", () => Adapter.UnparkDomainAsync(id, [0, 1], None)),
        (AdapterCapabilities.RecoveryPoints, "CreateRecoveryPoint", () => Adapter.CreateRecoveryPointAsync(id, "rp-1", null, None)),
        (AdapterCapabilities.RecoveryPoints, "ListRecoveryPoints", () => Adapter.ListRecoveryPointsAsync(id, None)),
        (AdapterCapabilities.RecoveryPoints, "RevertToRecoveryPoint", () => Adapter.RevertToRecoveryPointAsync(id, "rp-1", None)),
        (AdapterCapabilities.RecoveryPoints, "DeleteRecoveryPoint", () => Adapter.DeleteRecoveryPointAsync(id, "rp-1", None)),
        (AdapterCapabilities.InterfaceAddresses, "GetInterfaceAddresses", () => Adapter.GetInterfaceAddressesAsync(id, None)),
        (AdapterCapabilities.GraphicalConsole, "OpenConsole", () => Adapter.OpenConsoleAsync(id, None)),
        (AdapterCapabilities.SerialConsole, "OpenSerialConsole", () => Adapter.OpenSerialConsoleAsync(id, None)),
        (AdapterCapabilities.DiskExport, "ExportDisk", () => Adapter.ExportDiskAsync(id, new DiskExportRequest(Guid.NewGuid(), DiskExportFormat.Raw), null, None)),
    ];

    private void Declared(AdapterCapabilities capabilities)
    {
        var missing = capabilities & ~Adapter.Capabilities;
        if (missing != AdapterCapabilities.None)
        {
            throw new ConformanceSkipException($"The adapter does not declare {missing}; its NotSupported answer is checked by the twin test.");
        }
    }

    private void Missing(AdapterCapabilities capability)
    {
        if (Adapter.Capabilities.HasFlag(capability))
        {
            throw new ConformanceSkipException(
                capability == AdapterCapabilities.LiveMigration
                    ? "The adapter declares LiveMigration; what it promises is checked on two nodes by AdapterMigrationConformanceTests."
                    : $"The adapter declares {capability}; what it promises is checked by the twin test.");
        }
    }

    // Run on a domain that exists, so the answer cannot be DomainNotFound by accident.
    private async Task AssertNotSupportedUnlessDeclared(AdapterCapabilities capability, params Func<Guid, Task>[] calls)
    {
        Missing(capability);
        var spec = await DefineAsync();
        await Adapter.StartDomainAsync(spec.Id, None);
        foreach (var call in calls)
        {
            await AssertCode(AdapterErrorCode.NotSupported, () => call(spec.Id));
        }
    }

    private static async Task AssertCode(AdapterErrorCode expected, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<HypervisorAdapterException>(call);
        Assert.True(error.Code == expected, $"Expected {expected}, got {error.Code}: {error.Message}");
    }

    // Records holding lists compare by reference; the results compare item by item.
    private sealed class HardwareResultComparer : IEqualityComparer<HardwareChangeResult>
    {
        internal static readonly HardwareResultComparer Instance = new();

        public bool Equals(HardwareChangeResult? x, HardwareChangeResult? y) =>
            x is not null && y is not null && x.Items.SequenceEqual(y.Items);

        public int GetHashCode(HardwareChangeResult obj) => obj.Items.Count;
    }
}
