namespace VirtualCore.Plugins.Sdk.Tests;

/// <summary>
/// The SDK's own rules that adapters and the portal rely on: physical cores per node, when a hardware change needs a
/// restart, and the defaults of a change and of a migration target (a null member leaves that part alone).
/// </summary>
public sealed class SdkTypesTests
{
    [Fact]
    public void Physical_cores_are_sockets_times_cores_without_hyper_threads()
    {
        var capacity = new NodeCapacity(Sockets: 2, CoresPerSocket: 8, ThreadsPerCore: 2, MemoryBytes: 64L << 30, CpuModel: "EPYC");

        Assert.Equal(16, capacity.PhysicalCores);
    }

    [Fact]
    public void A_change_needs_a_restart_only_when_an_item_waits_for_the_next_boot()
    {
        var live = new HardwareChangeResult([new HardwareChangeItem(HardwareItem.Memory, ChangeTiming.Live)]);
        var mixed = new HardwareChangeResult(
        [
            new HardwareChangeItem(HardwareItem.Memory, ChangeTiming.Live),
            new HardwareChangeItem(HardwareItem.VCpus, ChangeTiming.NextBoot),
        ]);

        Assert.False(live.NeedsRestart);
        Assert.True(mixed.NeedsRestart);
        Assert.False(new HardwareChangeResult([]).NeedsRestart);
    }

    [Fact]
    public void An_empty_change_leaves_every_part_as_it_is()
    {
        var change = new HardwareChange();

        Assert.Null(change.VCpus);
        Assert.Null(change.PinnedCores);
        Assert.Null(change.MemoryBytes);
        Assert.Empty(change.DiskGrowths);
        Assert.Null(change.Cdrom);
        Assert.Null(change.BootOrder);
        Assert.Null(change.DiskBus);
        Assert.Null(change.NicModel);
    }

    [Fact]
    public void A_migration_target_assumes_shared_storage_and_keeps_the_pinning_by_default()
    {
        var target = new MigrationTarget("node-b", "qemu+tls://node-b/system");

        Assert.False(target.CopyStorage);
        Assert.Null(target.PinnedCores);
    }
}
