using System.Collections.Concurrent;
using System.Diagnostics;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>Live migration of a running tiny guest between two real libvirtd nodes through the adapter.</summary>
[Collection(QemuTwoNodeCollection.Name)]
public sealed class QemuLiveMigrationTests
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The guest may be unreachable for under a second while it switches nodes.</summary>
    private static readonly TimeSpan MaximumDowntime = TimeSpan.FromSeconds(1);

    private readonly QemuTwoNodeFixture nodes;
    private readonly ITestOutputHelper output;

    public QemuLiveMigrationTests(QemuTwoNodeFixture nodes, ITestOutputHelper output)
    {
        this.nodes = nodes;
        this.output = output;
    }

    [Fact]
    public async Task Running_guest_migrates_live_to_the_other_node_with_under_a_second_of_downtime()
    {
        var guest = await TinyGuest.DefineAsync(nodes.First, "migrate");
        try
        {
            await nodes.First.Adapter.StartDomainAsync(guest.Id, CancellationToken.None);
            await guest.WaitForSerialAsync(TinyGuest.ReadyMarker, BootTimeout);

            var reports = new ConcurrentQueue<MigrationProgress>();
            var watch = Stopwatch.StartNew();
            var result = await nodes.First.Adapter.MigrateDomainAsync(
                guest.Id, Target(nodes.Second), new Recorder(reports), CancellationToken.None);
            watch.Stop();
            guest.Node = nodes.Second;
            output.WriteLine(
                $"[qemu] migration: downtime {result.Downtime.TotalMilliseconds:F0} ms, duration {result.Duration.TotalMilliseconds:F0} ms, " +
                $"{result.TransferredBytes / (1024 * 1024)} MiB sent, call took {watch.Elapsed.TotalMilliseconds:F0} ms, {reports.Count} progress reports " +
                $"({string.Join(", ", reports.Select(r => r.Percent + "%"))})");

            Assert.Equal(DomainState.Running, await nodes.Second.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));
            var gone = await Assert.ThrowsAsync<HypervisorAdapterException>(
                () => nodes.First.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));
            Assert.Equal(AdapterErrorCode.DomainNotFound, gone.Code);
            Assert.DoesNotContain(await nodes.First.Adapter.ListDomainsAsync(CancellationToken.None), d => d.Id == guest.Id);

            Assert.InRange(result.Downtime, TimeSpan.FromTicks(1), MaximumDowntime - TimeSpan.FromTicks(1));
            Assert.InRange(result.Duration, result.Downtime, watch.Elapsed);
            Assert.True(result.TransferredBytes > 0, "The finished job reports no data sent.");
            Assert.NotEmpty(reports);
            Assert.All(reports, r => Assert.InRange(r.Percent, 0, 100));

            // PERSIST_DEST: the domain is defined on the target, so powering it off there does not make it vanish.
            await nodes.Second.Adapter.PowerOffDomainAsync(guest.Id, CancellationToken.None);
            Assert.Equal(DomainState.ShutOff, await nodes.Second.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));
        }
        finally
        {
            await nodes.RemoveEverywhereAsync(guest);
        }
    }

    [Fact]
    public async Task The_guest_runs_on_the_targets_cores_it_was_given_and_keeps_them_for_its_next_boot()
    {
        var guest = await TinyGuest.DefineAsync(nodes.First, TinyGuest.SpecFor("pinned") with { PinnedCores = [0] });
        try
        {
            await nodes.First.Adapter.StartDomainAsync(guest.Id, CancellationToken.None);
            Assert.Equal([0], await QemuScripts.PinsAsync(nodes.First.Uri, guest.Id, inactive: false));

            // The target's core count is checked before anything moves.
            var capacity = await nodes.Second.Adapter.GetNodeCapacityAsync(CancellationToken.None);
            var beyond = await Assert.ThrowsAsync<HypervisorAdapterException>(() => nodes.First.Adapter.MigrateDomainAsync(
                guest.Id, Target(nodes.Second) with { PinnedCores = [capacity.PhysicalCores] }, null, CancellationToken.None));
            Assert.Equal(AdapterErrorCode.InvalidSpec, beyond.Code);
            var tooMany = await Assert.ThrowsAsync<HypervisorAdapterException>(() => nodes.First.Adapter.MigrateDomainAsync(
                guest.Id, Target(nodes.Second) with { PinnedCores = [0, 1] }, null, CancellationToken.None));
            Assert.Equal(AdapterErrorCode.InvalidSpec, tooMany.Code);
            Assert.Equal(DomainState.Running, await nodes.First.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));

            var core = capacity.PhysicalCores - 1;
            await nodes.First.Adapter.MigrateDomainAsync(guest.Id, Target(nodes.Second) with { PinnedCores = [core] }, null, CancellationToken.None);
            guest.Node = nodes.Second;

            Assert.Equal(DomainState.Running, await nodes.Second.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));
            Assert.Equal([core], await QemuScripts.PinsAsync(nodes.Second.Uri, guest.Id, inactive: false));
            Assert.Equal([core], await QemuScripts.PinsAsync(nodes.Second.Uri, guest.Id, inactive: true));
        }
        finally
        {
            await nodes.RemoveEverywhereAsync(guest);
        }
    }

    [Fact]
    public async Task A_guest_on_local_disks_is_refused_unless_its_storage_is_copied()
    {
        var spec = TinyGuest.SpecFor("local-disk");
        var disk = await QemuTwoNodeFixture.CreateLocalDiskAsync(spec.Name + ".qcow2", 16L * 1024 * 1024);
        var guest = await TinyGuest.DefineAsync(nodes.First, spec with { Disks = [new DiskSpec(disk, 16L * 1024 * 1024)] });
        try
        {
            await nodes.First.Adapter.StartDomainAsync(guest.Id, CancellationToken.None);

            // libvirt will not leave a disk behind that the target cannot reach.
            var unsafeMove = await Assert.ThrowsAsync<HypervisorAdapterException>(
                () => nodes.First.Adapter.MigrateDomainAsync(guest.Id, Target(nodes.Second), null, CancellationToken.None));
            Assert.Equal(AdapterErrorCode.InvalidSpec, unsafeMove.Code);
            Assert.Equal("VIR_ERR_MIGRATE_UNSAFE (81)", unsafeMove.NativeCode);
            Assert.Equal(DomainState.Running, await nodes.First.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));

            var result = await nodes.First.Adapter.MigrateDomainAsync(
                guest.Id, Target(nodes.Second) with { CopyStorage = true }, null, CancellationToken.None);
            guest.Node = nodes.Second;
            output.WriteLine(
                $"[qemu] migration with storage: downtime {result.Downtime.TotalMilliseconds:F0} ms, duration {result.Duration.TotalMilliseconds:F0} ms, " +
                $"{result.TransferredBytes / (1024 * 1024)} MiB sent");

            Assert.Equal(DomainState.Running, await nodes.Second.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));
            Assert.DoesNotContain(await nodes.First.Adapter.ListDomainsAsync(CancellationToken.None), d => d.Id == guest.Id);
        }
        finally
        {
            await nodes.RemoveEverywhereAsync(guest);
            foreach (var path in QemuTwoNodeFixture.NodeDiskPaths(Path.GetFileName(disk)))
            {
                File.Delete(path);
            }
        }
    }

    [Fact]
    public async Task A_guest_moved_with_its_storage_finds_its_cloud_init_seed_on_the_target()
    {
        var spec = TinyGuest.SpecFor("seed-move");
        var disk = await QemuTwoNodeFixture.CreateLocalDiskAsync(spec.Name + ".qcow2", 16L * 1024 * 1024);
        var seedName = LibvirtAdapter.DomainNameOf(spec.Id) + "-cidata.iso";
        var guest = await TinyGuest.DefineAsync(
            nodes.First,
            spec with { Disks = [new DiskSpec(disk, 16L * 1024 * 1024)], CloudInit = new CloudInitSeed($"instance-id: {spec.Id}\n", "#cloud-config\n", null) });
        try
        {
            await nodes.First.Adapter.StartDomainAsync(guest.Id, CancellationToken.None);
            await nodes.First.Adapter.MigrateDomainAsync(guest.Id, Target(nodes.Second) with { CopyStorage = true }, null, CancellationToken.None);
            guest.Node = nodes.Second;

            Assert.Equal(DomainState.Running, await nodes.Second.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));
            var seeds = QemuTwoNodeFixture.NodeDiskPaths(seedName).ToArray();
            Assert.All(seeds, path => Assert.True(File.Exists(path), $"No seed at {path}."));
            Assert.Equal(await File.ReadAllBytesAsync(seeds[0]), await File.ReadAllBytesAsync(seeds[1]));
        }
        finally
        {
            await nodes.RemoveEverywhereAsync(guest);
            foreach (var path in QemuTwoNodeFixture.NodeDiskPaths(Path.GetFileName(disk)).Concat(QemuTwoNodeFixture.NodeDiskPaths(seedName)))
            {
                File.Delete(path);
            }
        }
    }

    [Fact]
    public async Task Migrating_to_the_same_node_is_refused_and_the_guest_keeps_running()
    {
        var guest = await TinyGuest.DefineAsync(nodes.First, "same-node");
        try
        {
            await nodes.First.Adapter.StartDomainAsync(guest.Id, CancellationToken.None);

            var sameUri = await Assert.ThrowsAsync<HypervisorAdapterException>(
                () => nodes.First.Adapter.MigrateDomainAsync(guest.Id, Target(nodes.First), null, CancellationToken.None));
            Assert.Equal(AdapterErrorCode.InvalidSpec, sameUri.Code);

            // Another spelling of the same daemon's address: only the host UUIDs tell.
            var alias = new MigrationTarget(nodes.First.Name, nodes.First.Uri.Replace("/run/libvirt-sock", "/run/./libvirt-sock", StringComparison.Ordinal));
            Assert.NotEqual(nodes.First.Uri, alias.Uri);
            var sameHost = await Assert.ThrowsAsync<HypervisorAdapterException>(
                () => nodes.First.Adapter.MigrateDomainAsync(guest.Id, alias, null, CancellationToken.None));
            Assert.Equal(AdapterErrorCode.InvalidSpec, sameHost.Code);

            Assert.Equal(DomainState.Running, await nodes.First.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));
            Assert.DoesNotContain(await nodes.Second.Adapter.ListDomainsAsync(CancellationToken.None), d => d.Id == guest.Id);
        }
        finally
        {
            await nodes.RemoveEverywhereAsync(guest);
        }
    }

    [Fact]
    public async Task A_stopped_guest_is_refused_and_stays_defined()
    {
        var guest = await TinyGuest.DefineAsync(nodes.First, "stopped");
        try
        {
            var error = await Assert.ThrowsAsync<HypervisorAdapterException>(
                () => nodes.First.Adapter.MigrateDomainAsync(guest.Id, Target(nodes.Second), null, CancellationToken.None));

            Assert.Equal(AdapterErrorCode.InvalidState, error.Code);
            Assert.Equal(DomainState.ShutOff, await nodes.First.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));
            Assert.DoesNotContain(await nodes.Second.Adapter.ListDomainsAsync(CancellationToken.None), d => d.Id == guest.Id);
        }
        finally
        {
            await nodes.RemoveEverywhereAsync(guest);
        }
    }

    private static MigrationTarget Target(IQemuNode node) => new(node.Name, node.Uri);

    /// <summary>Records reports on the reporting thread; <see cref="Progress{T}"/> would post them, possibly after the call returned.</summary>
    private sealed class Recorder(ConcurrentQueue<MigrationProgress> reports) : IProgress<MigrationProgress>
    {
        public void Report(MigrationProgress value) => reports.Enqueue(value);
    }
}
