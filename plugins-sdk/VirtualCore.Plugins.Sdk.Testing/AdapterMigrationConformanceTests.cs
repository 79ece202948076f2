using System.Collections.Concurrent;
using Xunit;

namespace VirtualCore.Plugins.Sdk.Testing;

/// <summary>
/// The live-migration half of the <see cref="IHypervisorAdapter"/> contract as tests, on two nodes. Derive once per
/// adapter and pair of nodes:
/// <code>public sealed class MyAdapterMigrationConformance : AdapterMigrationConformanceTests { ... CreateAdapter, CreateTargetAdapter, MigrationTarget, Source ... }</code>
/// Every test gets a fresh, connected adapter for each node and removes the domains it defined from both. An adapter
/// that does not declare <see cref="AdapterCapabilities.LiveMigration"/> gets every test here skipped with that reason;
/// its <see cref="AdapterErrorCode.NotSupported"/> answer is checked by <see cref="AdapterConformanceTests"/> (see CONFORMANCE.md).
/// </summary>
public abstract class AdapterMigrationConformanceTests : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;

    private readonly List<Guid> defined = [];
    private IHypervisorAdapter? source;
    private IHypervisorAdapter? target;

    /// <summary>The adapter of the node domains migrate from, connected.</summary>
    protected IHypervisorAdapter Adapter => source ?? throw new InvalidOperationException("The adapter is made in InitializeAsync.");

    /// <summary>The adapter of the node domains migrate to, connected.</summary>
    protected IHypervisorAdapter TargetAdapter => target ?? throw new InvalidOperationException("The target's adapter is made in InitializeAsync.");

    private static CancellationToken None => CancellationToken.None;

    public async Task InitializeAsync()
    {
        source = CreateAdapter();
        await source.ConnectAsync(None);
        target = CreateTargetAdapter();
        await target.ConnectAsync(None);
    }

    public async Task DisposeAsync()
    {
        // A failed migration can leave a domain on either node, or on both.
        foreach (var adapter in new[] { source, target })
        {
            if (adapter is null)
            {
                continue;
            }

            foreach (var id in defined)
            {
                await adapter.DeleteDomainAsync(id, deleteStorage: true, None);
            }

            await adapter.DisposeAsync();
        }
    }

    /// <summary>A new, unconnected adapter for the node domains migrate from.</summary>
    protected abstract IHypervisorAdapter CreateAdapter();

    /// <summary>A new, unconnected adapter for the node domains migrate to.</summary>
    protected abstract IHypervisorAdapter CreateTargetAdapter();

    /// <summary>The target node as the source reaches it, without <c>CopyStorage</c> or <c>PinnedCores</c>: the suite sets those.</summary>
    protected abstract MigrationTarget MigrationTarget { get; }

    /// <summary>The source node named as a migration target, for the check that a node refuses to migrate to itself.</summary>
    protected abstract MigrationTarget Source { get; }

    /// <summary>
    /// True when both nodes reach the same disk images, so the suite migrates without copying storage. False (the default)
    /// when each node has disks of its own, as rack servers do: the suite then migrates with <c>CopyStorage</c>, and
    /// checks that a migration without it is refused before anything moves.
    /// </summary>
    protected virtual bool NodesShareStorage => false;

    /// <summary>
    /// A domain the source can define and start and the target can run: override where disks must lie elsewhere or
    /// the network has another name. The suite asks for 2 vCPUs and 256 MiB, with one disk and one NIC.
    /// </summary>
    protected virtual DomainSpec CreateDomainSpec(Guid id, string name) =>
        new(
            id,
            name,
            2,
            256 * MiB,
            [],
            [new DiskSpec($"/var/lib/vcore-conformance/{name}.qcow2", 64 * MiB)],
            null,
            [new NicSpec("default", "52:54:00:" + string.Join(':', id.ToByteArray()[..3].Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))))]);

    /// <summary>
    /// The cores the domain's vCPUs are pinned to on the target, in vCPU order, or null (the default) where the test
    /// class cannot see them. The SDK does not report pins, so without this the suite checks the refusals of
    /// bad <see cref="MigrationTarget.PinnedCores"/> and that the domain runs on the target, not where its vCPUs run.
    /// </summary>
    protected virtual Task<IReadOnlyList<int>?> ReadTargetPinnedCoresAsync(Guid domainId) => Task.FromResult<IReadOnlyList<int>?>(null);

    /// <summary>How the suite migrates a domain it defined with <see cref="CreateDomainSpec"/>.</summary>
    private MigrationTarget Target => MigrationTarget with { CopyStorage = !NodesShareStorage, PinnedCores = null };

    [ConformanceFact]
    public async Task A_running_domain_arrives_running_on_the_target_and_is_gone_from_the_source()
    {
        Declared(AdapterCapabilities.LiveMigration);
        var spec = await DefineAndStartAsync();
        var reports = new ConcurrentQueue<MigrationProgress>();

        var result = await Adapter.MigrateDomainAsync(spec.Id, Target, new Recorder(reports), None);

        Assert.Equal(DomainState.Running, await TargetAdapter.GetDomainStateAsync(spec.Id, None));
        var arrived = Assert.Single(await TargetAdapter.ListDomainsAsync(None), d => d.Id == spec.Id);
        Assert.Equal((spec.Name, spec.VCpus, spec.MemoryBytes), (arrived.Name, arrived.VCpus, arrived.MemoryBytes));
        await AssertCode(AdapterErrorCode.DomainNotFound, () => Adapter.GetDomainStateAsync(spec.Id, None));
        Assert.DoesNotContain(await Adapter.ListDomainsAsync(None), d => d.Id == spec.Id);

        Assert.False(reports.IsEmpty, "The adapter reported no progress.");
        Assert.All(reports, r => Assert.InRange(r.Percent, 0, 100));
        Assert.True(
            result.Downtime >= TimeSpan.Zero && result.Downtime <= result.Duration,
            $"The downtime {result.Downtime} is not within the duration {result.Duration}.");
        Assert.True(result.TransferredBytes > 0, $"The migration reports {result.TransferredBytes} bytes sent.");
    }

    [ConformanceFact]
    public async Task Migrating_again_once_the_domain_has_left_is_DomainNotFound_and_it_keeps_running_on_the_target()
    {
        Declared(AdapterCapabilities.LiveMigration);
        var spec = await DefineAndStartAsync();
        await Adapter.MigrateDomainAsync(spec.Id, Target, null, None);

        // MigrateDomainAsync is not idempotent: a repeated job is answered by the node agent's record, never by the adapter.
        await AssertCode(AdapterErrorCode.DomainNotFound, () => Adapter.MigrateDomainAsync(spec.Id, Target, null, None));

        Assert.Equal(DomainState.Running, await TargetAdapter.GetDomainStateAsync(spec.Id, None));
        Assert.DoesNotContain(await Adapter.ListDomainsAsync(None), d => d.Id == spec.Id);
    }

    [ConformanceFact]
    public async Task Migrating_to_the_same_node_is_InvalidSpec_and_the_domain_keeps_running()
    {
        Declared(AdapterCapabilities.LiveMigration);
        var spec = await DefineAndStartAsync();

        await AssertCode(AdapterErrorCode.InvalidSpec, () => Adapter.MigrateDomainAsync(spec.Id, Source with { CopyStorage = !NodesShareStorage }, null, None));

        await AssertStaysOnSourceAsync(spec, DomainState.Running);
    }

    [ConformanceFact]
    public async Task A_stopped_domain_is_InvalidState_and_stays_defined_on_the_source()
    {
        Declared(AdapterCapabilities.LiveMigration);
        var spec = await DefineAsync();

        await AssertCode(AdapterErrorCode.InvalidState, () => Adapter.MigrateDomainAsync(spec.Id, Target, null, None));

        await AssertStaysOnSourceAsync(spec, DomainState.ShutOff);
    }

    [ConformanceFact]
    public async Task The_domain_runs_on_the_target_cores_it_is_given_and_bad_cores_are_InvalidSpec()
    {
        Declared(AdapterCapabilities.LiveMigration | AdapterCapabilities.CpuPinning);
        var spec = await DefineAndStartAsync();
        var cores = (await TargetAdapter.GetNodeCapacityAsync(None)).PhysicalCores;
        Assert.True(cores >= spec.VCpus, $"The target has {cores} cores, fewer than the domain's {spec.VCpus} vCPUs.");

        // Checked before anything moves: a core the target lacks, one core too many, one core twice.
        var beyond = Enumerable.Range(cores - spec.VCpus + 1, spec.VCpus).ToArray();
        var tooMany = Enumerable.Range(0, spec.VCpus + 1).ToArray();
        var twice = Enumerable.Repeat(0, spec.VCpus).ToArray();
        foreach (var bad in new[] { beyond, tooMany, twice })
        {
            await AssertCode(AdapterErrorCode.InvalidSpec, () => Adapter.MigrateDomainAsync(spec.Id, Target with { PinnedCores = bad }, null, None));
        }

        await AssertStaysOnSourceAsync(spec, DomainState.Running);

        // The target's highest cores, in reverse: not the order a default pinning would give.
        var pins = Enumerable.Range(cores - spec.VCpus, spec.VCpus).Reverse().ToArray();
        await Adapter.MigrateDomainAsync(spec.Id, Target with { PinnedCores = pins }, null, None);

        Assert.Equal(DomainState.Running, await TargetAdapter.GetDomainStateAsync(spec.Id, None));
        if (await ReadTargetPinnedCoresAsync(spec.Id) is { } seen)
        {
            Assert.Equal(pins, seen);
        }
    }

    [ConformanceFact]
    public async Task Local_disks_are_refused_without_CopyStorage_and_travel_with_it()
    {
        Declared(AdapterCapabilities.LiveMigration);
        if (NodesShareStorage)
        {
            throw new ConformanceSkipException("The nodes share storage (NodesShareStorage): the domains migrate without copying their disks.");
        }

        var spec = await DefineAndStartAsync();

        await AssertCode(AdapterErrorCode.InvalidSpec, () => Adapter.MigrateDomainAsync(spec.Id, Target with { CopyStorage = false }, null, None));
        await AssertStaysOnSourceAsync(spec, DomainState.Running);

        var result = await Adapter.MigrateDomainAsync(spec.Id, Target with { CopyStorage = true }, null, None);

        Assert.Equal(DomainState.Running, await TargetAdapter.GetDomainStateAsync(spec.Id, None));
        Assert.DoesNotContain(await Adapter.ListDomainsAsync(None), d => d.Id == spec.Id);
        Assert.True(result.TransferredBytes > 0, $"The migration reports {result.TransferredBytes} bytes sent.");
        if (TargetAdapter.Capabilities.HasFlag(AdapterCapabilities.DiskGrow))
        {
            // The disk exists on the target: it grows there.
            var disk = spec.Disks[0];
            var grown = await TargetAdapter.UpdateHardwareAsync(spec.Id, new HardwareChange { DiskGrowths = [new DiskGrowth(disk.Path, disk.CapacityBytes * 2)] }, None);
            Assert.Equal(HardwareItem.Disk, Assert.Single(grown.Items).Item);
        }
    }

    /// <summary>Defines a fresh domain on the source for this test; it is deleted from both nodes after the test.</summary>
    protected async Task<DomainSpec> DefineAsync()
    {
        var id = Guid.NewGuid();
        var spec = CreateDomainSpec(id, "conf-" + id.ToString("N")[..12]);
        defined.Add(id);
        await Adapter.DefineDomainAsync(spec, None);
        return spec;
    }

    private async Task<DomainSpec> DefineAndStartAsync()
    {
        var spec = await DefineAsync();
        await Adapter.StartDomainAsync(spec.Id, None);
        return spec;
    }

    private async Task AssertStaysOnSourceAsync(DomainSpec spec, DomainState state)
    {
        Assert.Equal(state, await Adapter.GetDomainStateAsync(spec.Id, None));
        Assert.DoesNotContain(await TargetAdapter.ListDomainsAsync(None), d => d.Id == spec.Id);
    }

    private void Declared(AdapterCapabilities capabilities)
    {
        var missing = capabilities & ~Adapter.Capabilities;
        if (missing != AdapterCapabilities.None)
        {
            throw new ConformanceSkipException(
                missing.HasFlag(AdapterCapabilities.LiveMigration)
                    ? "The adapter does not declare LiveMigration; its NotSupported answer is checked by AdapterConformanceTests.Migration_is_NotSupported_when_not_declared."
                    : $"The adapter does not declare {missing}, which this migration test needs.");
        }
    }

    private static async Task AssertCode(AdapterErrorCode expected, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<HypervisorAdapterException>(call);
        Assert.True(error.Code == expected, $"Expected {expected}, got {error.Code}: {error.Message}");
    }

    /// <summary>Records reports on the reporting thread; <see cref="Progress{T}"/> would post them, possibly after the call returned.</summary>
    private sealed class Recorder(ConcurrentQueue<MigrationProgress> reports) : IProgress<MigrationProgress>
    {
        public void Report(MigrationProgress value) => reports.Enqueue(value);
    }
}
