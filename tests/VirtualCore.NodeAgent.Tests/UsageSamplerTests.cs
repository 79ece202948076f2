using VirtualCore.Plugins.Sdk;

namespace VirtualCore.NodeAgent.Tests;

/// <summary>The agent's rates: counts of two samples divided by the time between them, and no rate from counts that shrank.</summary>
public sealed class UsageSamplerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
    private static readonly Guid Vm = Guid.NewGuid();

    [Fact]
    public void Rates_are_the_difference_of_two_samples_over_the_seconds_between_them()
    {
        var sampler = new UsageSampler();
        Assert.Null(sampler.Next("rack-1", Sample(T0, cpuNs: 0, read: 0, sent: 0, nodeBusy: 0, nodeTotal: 0), simulated: false));

        // 10 s later: 5 s of CPU on 2 vCPUs (25 %), 1 MB read, 3 MB sent; the node busy for 30 of 120 core-seconds.
        var report = sampler.Next("rack-1", Sample(T0.AddSeconds(10), cpuNs: 5_000_000_000, read: 1_000_000, sent: 3_000_000, nodeBusy: 30_000_000_000, nodeTotal: 120_000_000_000), simulated: true)!;
        Assert.Equal(("rack-1", 10.0, true), (report.NodeName, report.IntervalSeconds, report.Simulated));
        var vm = Assert.Single(report.Vms);
        Assert.Equal(25, vm.CpuPercent, 6);
        Assert.Equal(100_000, vm.DiskReadBytesPerSecond, 6);
        Assert.Equal(300_000, vm.NetOutBytesPerSecond, 6);
        Assert.Equal(10, vm.DiskReadsPerSecond, 6);
        Assert.Equal(512L << 20, vm.MemoryUsedBytes);
        Assert.Equal(25, report.Node.CpuPercent, 6);
        Assert.Equal(6L << 30, report.Node.MemoryUsedBytes);
        Assert.Equal(2.5, report.Node.LoadAverage);
    }

    [Fact]
    public void A_domain_started_again_or_seen_for_the_first_time_gives_no_rate_until_its_next_sample()
    {
        var sampler = new UsageSampler();
        sampler.Next("rack-1", Sample(T0, cpuNs: 9_000_000_000, read: 5_000_000, sent: 0, nodeBusy: 0, nodeTotal: 0), simulated: false);

        // The domain restarted: its counts began again below the last ones.
        Assert.Empty(sampler.Next("rack-1", Sample(T0.AddSeconds(10), cpuNs: 1_000_000_000, read: 0, sent: 0, nodeBusy: 1, nodeTotal: 2), simulated: false)!.Vms);
        Assert.Single(sampler.Next("rack-1", Sample(T0.AddSeconds(20), cpuNs: 2_000_000_000, read: 0, sent: 0, nodeBusy: 2, nodeTotal: 4), simulated: false)!.Vms);

        // A clock that went back gives no report at all; CPU beyond what the vCPUs could use is capped at 100 %.
        Assert.Null(sampler.Next("rack-1", Sample(T0.AddSeconds(15), cpuNs: 3_000_000_000, read: 0, sent: 0, nodeBusy: 3, nodeTotal: 6), simulated: false));
        var capped = sampler.Next("rack-1", Sample(T0.AddSeconds(16), cpuNs: 9_000_000_000, read: 0, sent: 0, nodeBusy: 4, nodeTotal: 8), simulated: false)!;
        Assert.Equal(100, Assert.Single(capped.Vms).CpuPercent);
    }

    private static UsageSample Sample(DateTimeOffset at, long cpuNs, long read, long sent, long nodeBusy, long nodeTotal) =>
        new(
            at,
            new NodeUsage(nodeBusy, nodeTotal, 8L << 30, 2L << 30, 2.5),
            [new DomainUsage(Vm, 2, cpuNs, 1L << 30, 512L << 20, [new DiskUsage("vda", read, 0, read / 10_000, 0)], [new InterfaceUsage("vnet0", 0, sent, 0, sent / 1000)])]);
}
