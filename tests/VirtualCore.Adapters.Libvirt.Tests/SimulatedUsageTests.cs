using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.Tests;

/// <summary>The simulated rack servers' made-up usage: the same on every run, growing only while a domain runs, within its bounds.</summary>
public sealed class SimulatedUsageTests
{
    private static readonly NodeCapacity Capacity = new(2, 6, 1, 48L << 30, "simulated");
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Two_processes_make_up_the_same_figures_for_the_same_domain_at_the_same_times()
    {
        var domain = new DomainInfo(Guid.Parse("6e9e28a1-8fef-4f81-8ac1-604aaa1d7cbf"), "db", DomainState.Running, 2, 4L << 30);
        var (one, two) = (new SimulatedUsage(), new SimulatedUsage());
        one.Sample(T0, Capacity, [domain]);
        two.Sample(T0, Capacity, [domain]);
        var a = one.Sample(T0.AddSeconds(10), Capacity, [domain]).Domains.Single();
        var b = two.Sample(T0.AddSeconds(10), Capacity, [domain]).Domains.Single();
        Assert.Equal((a.CpuNanoseconds, a.MemoryUsedBytes, a.Disks.Single(), a.Interfaces.Single()), (b.CpuNanoseconds, b.MemoryUsedBytes, b.Disks.Single(), b.Interfaces.Single()));

        // 10 s on 2 vCPUs: between 5 % and 45 % of them, swinging by less than its base.
        Assert.InRange(a.CpuNanoseconds, 1L * 100_000_000, 2L * 10 * 1_000_000_000);
        Assert.InRange(a.MemoryUsedBytes!.Value, 1, domain.MemoryBytes);
        Assert.True(a.Disks.Single().WriteBytes > 0 && a.Interfaces.Single().SentPackets > 0);
    }

    [Fact]
    public void A_paused_domain_counts_nothing_and_the_node_counts_what_its_domains_do()
    {
        var running = new DomainInfo(Guid.NewGuid(), "web", DomainState.Running, 4, 8L << 30);
        var paused = new DomainInfo(Guid.NewGuid(), "idle", DomainState.Paused, 4, 8L << 30);
        var usage = new SimulatedUsage();
        var first = usage.Sample(T0, Capacity, [running, paused]);
        var second = usage.Sample(T0.AddSeconds(60), Capacity, [running, paused]);

        Assert.Equal(0, second.Domains.Single(d => d.DomainId == paused.Id).CpuNanoseconds);
        Assert.Equal(0, second.Domains.Single(d => d.DomainId == paused.Id).Disks.Single().ReadBytes);
        var busy = second.Node.CpuBusyNanoseconds - first.Node.CpuBusyNanoseconds;
        var total = second.Node.CpuTotalNanoseconds - first.Node.CpuTotalNanoseconds;
        Assert.Equal(12L * 60 * 1_000_000_000, total);
        Assert.InRange(busy, second.Domains.Single(d => d.DomainId == running.Id).CpuNanoseconds, total);
        Assert.InRange(second.Node.MemoryFreeBytes, 0, Capacity.MemoryBytes - second.Domains.Sum(d => d.MemoryUsedBytes!.Value));
        Assert.NotNull(second.Node.LoadAverage);
    }
}
