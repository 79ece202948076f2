using VirtualCore.Node.Contracts.V1;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.NodeAgent;

/// <summary>
/// Turns the adapter's counts into rates: each sample is compared with the one before it. The first sample, and a
/// domain seen for the first time or whose counts shrank (it was started again), give no rates until the next one.
/// </summary>
internal sealed class UsageSampler
{
    private UsageSample? previous;
    private Dictionary<Guid, DomainUsage> previousDomains = [];

    /// <summary>The rates since the last sample, or null after the first one (or when the clock went back).</summary>
    public UsageReported? Next(string nodeName, UsageSample sample, bool simulated)
    {
        var last = previous;
        var lastDomains = previousDomains;
        previous = sample;
        previousDomains = sample.Domains.ToDictionary(d => d.DomainId);
        var seconds = last is null ? 0 : (sample.TakenAt - last.TakenAt).TotalSeconds;
        if (last is null || seconds <= 0)
        {
            return null;
        }

        var vms = new List<VmUsageV1>(sample.Domains.Count);
        foreach (var domain in sample.Domains)
        {
            if (lastDomains.TryGetValue(domain.DomainId, out var before) && Rates(domain, before, seconds) is { } rates)
            {
                vms.Add(rates);
            }
        }

        var node = sample.Node;
        var total = node.CpuTotalNanoseconds - last.Node.CpuTotalNanoseconds;
        var busy = node.CpuBusyNanoseconds - last.Node.CpuBusyNanoseconds;
        var cpu = total > 0 && busy >= 0 ? Math.Clamp(100.0 * busy / total, 0, 100) : 0;
        return new UsageReported(
            nodeName,
            sample.TakenAt,
            seconds,
            simulated,
            new NodeUsageV1(cpu, Math.Max(0, node.MemoryTotalBytes - node.MemoryFreeBytes), node.MemoryTotalBytes, node.LoadAverage),
            vms);
    }

    private static VmUsageV1? Rates(DomainUsage now, DomainUsage before, double seconds)
    {
        long Delta(long a, long b) => a - b;
        var cpu = Delta(now.CpuNanoseconds, before.CpuNanoseconds);
        var read = Delta(now.Disks.Sum(d => d.ReadBytes), before.Disks.Sum(d => d.ReadBytes));
        var written = Delta(now.Disks.Sum(d => d.WriteBytes), before.Disks.Sum(d => d.WriteBytes));
        var reads = Delta(now.Disks.Sum(d => d.ReadOperations), before.Disks.Sum(d => d.ReadOperations));
        var writes = Delta(now.Disks.Sum(d => d.WriteOperations), before.Disks.Sum(d => d.WriteOperations));
        var received = Delta(now.Interfaces.Sum(i => i.ReceivedBytes), before.Interfaces.Sum(i => i.ReceivedBytes));
        var sent = Delta(now.Interfaces.Sum(i => i.SentBytes), before.Interfaces.Sum(i => i.SentBytes));
        var receivedPackets = Delta(now.Interfaces.Sum(i => i.ReceivedPackets), before.Interfaces.Sum(i => i.ReceivedPackets));
        var sentPackets = Delta(now.Interfaces.Sum(i => i.SentPackets), before.Interfaces.Sum(i => i.SentPackets));

        // A count that shrank: the domain was started again (or a disk or interface went away) in between.
        if (cpu < 0 || read < 0 || written < 0 || reads < 0 || writes < 0 || received < 0 || sent < 0 || receivedPackets < 0 || sentPackets < 0)
        {
            return null;
        }

        return new VmUsageV1(
            now.DomainId,
            Math.Clamp(100.0 * cpu / (seconds * 1e9 * Math.Max(1, now.VCpus)), 0, 100),
            now.MemoryUsedBytes,
            now.MemoryBytes,
            read / seconds,
            written / seconds,
            reads / seconds,
            writes / seconds,
            received / seconds,
            sent / seconds,
            receivedPackets / seconds,
            sentPackets / seconds);
    }
}
